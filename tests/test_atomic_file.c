/* Saving a file whole or not at all: a process killed at each step of a save,
   failures injected there, a full disk and a read-only file system (a small
   tmpfs in a private mount namespace), stale temporaries, and the names of
   temporaries. */
#include "private_mount.h" /* first: it sets _GNU_SOURCE */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/atomic_file.h"

/* ---- the fault seam ------------------------------------------------------ */

/* The step to fail at, and how: SIGKILL when `kill_there`, else the errno. */
static const char *fault_step;
static bool fault_kill;
static int fault_errno;

int mc_atomic_fault_point(const char *step, const char *tmp)
{
    (void)tmp;
    if (fault_step == NULL || strcmp(step, fault_step) != 0)
        return 0;
    if (fault_kill)
        raise(SIGKILL);
    return fault_errno;
}

/* ---- helpers ----------------------------------------------------------------- */

static void make_dir(char *out, size_t size)
{
    const char *base = getenv("MC_TEST_TMPDIR");
    snprintf(out, size, "%s/mc_atomic_XXXXXX", base != NULL && *base ? base : "/tmp");
    assert_non_null(mkdtemp(out));
}

/* The directory's entries, sorted, joined by '|'. */
static void listing(const char *dir, char *out, size_t size)
{
    struct dirent **names;
    const int n = scandir(dir, &names, NULL, alphasort);
    assert_true(n >= 0);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0) {
            if (out[0] != '\0')
                strncat(out, "|", size - strlen(out) - 1);
            strncat(out, names[i]->d_name, size - strlen(out) - 1);
        }
        free(names[i]);
    }
    free(names);
}

static void remove_all(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            unlinkat(dirfd(d), e->d_name, 0);
    closedir(d);
    rmdir(dir);
}

/* `n` bytes that differ between versions: byte i of version v. */
static void content(unsigned char *out, size_t n, unsigned v)
{
    for (size_t i = 0; i < n; i++)
        out[i] = (unsigned char)((i * 131u + v * 7919u + (i >> 8)) & 0xFF);
}

static mc_status save(const char *path, unsigned version, size_t n, mc_error *err)
{
    unsigned char *data = malloc(n);
    assert_non_null(data);
    content(data, n, version);
    const mc_status st = mc_atomic_save(path, data, n, err);
    free(data);
    return st;
}

/* Which version the file holds whole: 0 or more, -1 for a mix or a wrong size. */
static int version_of(const char *path, size_t n, unsigned versions)
{
    unsigned char *got = malloc(n + 1), *want = malloc(n);
    assert_non_null(got);
    assert_non_null(want);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    const size_t len = fread(got, 1, n + 1, f);
    fclose(f);
    int found = -1;
    for (unsigned v = 0; len == n && v < versions && found < 0; v++) {
        content(want, n, v);
        if (memcmp(got, want, n) == 0)
            found = (int)v;
    }
    free(got);
    free(want);
    return found;
}

enum { SIZE = 3 * 65536 + 17 }; /* more than stdio's buffer: real writes happen */

/* ---- tests ------------------------------------------------------------------- */

/* Killed at every step of a save over an older file: the target is the old
   file or the new one, whole; what the kill leaves behind is a temporary,
   which the next save of the same target removes. */
static void test_killed_at_every_step(void **state)
{
    (void)state;
    static const struct { const char *step; int version_after; } steps[] = {
        {"open", 0}, {"write", 0}, {"sync", 0}, {"rename", 0}, {"renamed", 1}};
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        char dir[512], path[600], list[1024];
        make_dir(dir, sizeof dir);
        snprintf(path, sizeof path, "%s/model.safetensors", dir);
        assert_int_equal(save(path, 0, SIZE, NULL), MC_OK);
        const pid_t child = fork();
        assert_true(child >= 0);
        if (child == 0) {
            fault_step = steps[s].step;
            fault_kill = true;
            save(path, 1, SIZE, NULL);
            _exit(3); /* not reached: killed inside */
        }
        int status;
        assert_int_equal(waitpid(child, &status, 0), child);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        assert_int_equal(version_of(path, SIZE, 2), steps[s].version_after);
        /* The dead child's temporary, unless it was renamed into place. */
        listing(dir, list, sizeof list);
        char expected[64];
        snprintf(expected, sizeof expected, "model.safetensors.tmp.%ld.", (long)child);
        if (steps[s].version_after == 0)
            assert_non_null(strstr(list, expected));
        else
            assert_string_equal(list, "model.safetensors");
        /* The next save replaces the file and sweeps the stale temporary. */
        assert_int_equal(save(path, 2, SIZE, NULL), MC_OK);
        assert_int_equal(version_of(path, SIZE, 3), 2);
        listing(dir, list, sizeof list);
        assert_string_equal(list, "model.safetensors");
        remove_all(dir);
    }
}

/* A step failing (no space while writing, an I/O error at the sync, a rename
   refused): MC_ERR_IO naming the step, the old file intact, no temporary. */
static void test_failure_at_every_step(void **state)
{
    (void)state;
    static const struct { const char *step; int err; const char *says; } steps[] = {
        {"open", EACCES, "cannot create a file in its directory: Permission denied"},
        {"write", ENOSPC, "cannot write: No space left on device"},
        {"sync", EIO, "cannot sync the file to disk: Input/output error"},
        {"rename", EXDEV, "cannot rename the temporary file over it"}};
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        char dir[512], path[600], list[1024];
        make_dir(dir, sizeof dir);
        snprintf(path, sizeof path, "%s/forecast.csv", dir);
        assert_int_equal(save(path, 0, SIZE, NULL), MC_OK);
        fault_step = steps[s].step;
        fault_kill = false;
        fault_errno = steps[s].err;
        mc_error err;
        assert_int_equal(save(path, 1, SIZE, &err), MC_ERR_IO);
        fault_step = NULL;
        assert_contains(err.message, steps[s].says);
        assert_contains(err.message, "forecast.csv");
        assert_int_equal(version_of(path, SIZE, 2), 0);
        listing(dir, list, sizeof list);
        assert_string_equal(list, "forecast.csv");
        remove_all(dir);
    }
}

/* Temporaries: unique names of the documented shape, created exclusively, so
   a link planted at any name is never followed; and only dead processes'
   temporaries of the same target, owned by us, are swept. */
static void test_temporaries(void **state)
{
    (void)state;
    char dir[512], path[600], victim[600], old_style[700], list[1024];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/out.csv", dir);
    snprintf(victim, sizeof victim, "%s/victim", dir);
    FILE *f = fopen(victim, "w");
    assert_non_null(f);
    fputs("precious", f);
    fclose(f);
    /* The name an earlier version used, planted as a link. */
    snprintf(old_style, sizeof old_style, "%s.tmp.%ld", path, (long)getpid());
    assert_int_equal(symlink(victim, old_style), 0);

    mc_atomic_file a, b;
    assert_int_equal(mc_atomic_open(&a, path, NULL), MC_OK);
    assert_int_equal(mc_atomic_open(&b, path, NULL), MC_OK);
    assert_string_not_equal(a.tmp, b.tmp);
    char prefix[700];
    snprintf(prefix, sizeof prefix, "%s.tmp.%ld.", path, (long)getpid());
    assert_int_equal(strncmp(a.tmp, prefix, strlen(prefix)), 0);
    assert_int_equal(strlen(a.tmp), strlen(prefix) + 6);
    struct stat sb;
    assert_int_equal(lstat(a.tmp, &sb), 0);
    assert_true(S_ISREG(sb.st_mode));
    fputs("a", a.f);
    fputs("b", b.f);
    assert_int_equal(mc_atomic_commit(&a, path, NULL), MC_OK);
    mc_atomic_abort(&b);
    mc_atomic_abort(&b); /* twice is harmless */
    f = fopen(victim, "r");
    char text[16] = {0};
    assert_non_null(fgets(text, sizeof text, f));
    fclose(f);
    assert_string_equal(text, "precious");
    unlink(old_style);

    /* Stale: an abandoned temporary (its lock free) goes; one a live writer
       holds, another target's, names of other shapes (a user's
       "out.csv.tmp.20240101") and, as root, another user's stay. */
    char held[700];
    snprintf(held, sizeof held, "%s.tmp.424242.Hq7dE2", path);
    int ready[2], hold[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(hold), 0);
    const pid_t writer = fork();
    assert_true(writer >= 0);
    if (writer == 0) {
        close(hold[1]);
        close(ready[0]);
        const int fd = open(held, O_WRONLY | O_CREAT | O_EXCL, 0600);
        char c = 'r';
        if (fd < 0 || flock(fd, LOCK_EX) != 0 || write(ready[1], &c, 1) != 1)
            _exit(1);
        _exit(read(hold[0], &c, 1) == 0 ? 0 : 1); /* until the parent closes its end */
    }
    close(ready[1]);
    close(hold[0]);
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    close(ready[0]);
    enum { N_NAMES = 5 };
    char names[N_NAMES][700];
    snprintf(names[0], sizeof names[0], "%s.tmp.999999.Ab3dE9", path);
    snprintf(names[1], sizeof names[1], "%s/other.csv.tmp.999999.Ab3dE9", dir);
    snprintf(names[2], sizeof names[2], "%s.tmp.999999.not-ours", path);
    snprintf(names[3], sizeof names[3], "%s.tmp.20240101", path);
    snprintf(names[4], sizeof names[4], "%s.tmp.999999.Zz9yX8", path);
    for (int i = 0; i < N_NAMES; i++) {
        f = fopen(names[i], "w");
        assert_non_null(f);
        fclose(f);
    }
    const bool foreign = geteuid() == 0 && chown(names[4], 65534, 65534) == 0;
    assert_int_equal(save(path, 0, 100, NULL), MC_OK);
    assert_int_equal(access(names[0], F_OK), -1);
    assert_int_equal(access(held, F_OK), 0);
    for (int i = 1; i < N_NAMES; i++)
        assert_int_equal(access(names[i], F_OK), foreign || i < 4 ? 0 : -1);
    /* Its writer gone (the kernel drops the lock), the held one goes too. */
    close(hold[1]);
    int status;
    assert_int_equal(waitpid(writer, &status, 0), writer);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(save(path, 0, 100, NULL), MC_OK);
    assert_int_equal(access(held, F_OK), -1);
    for (int i = 1; i < N_NAMES; i++)
        unlink(names[i]);
    listing(dir, list, sizeof list);
    assert_string_equal(list, "out.csv|victim");
    remove_all(dir);
}

/* What is replaced keeps its permissions; a process's own descriptors are
   written through, never reopened (a file opened for appending appends). */
static void test_modes_and_descriptors(void **state)
{
    (void)state;
    char dir[512], path[600], fdpath[64];
    make_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    assert_int_equal(save(path, 0, 100, NULL), MC_OK);
    assert_int_equal(chmod(path, 0640), 0);
    assert_int_equal(save(path, 1, 100, NULL), MC_OK);
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0640);
    assert_int_equal(version_of(path, 100, 2), 1);

    /* An appending descriptor: /dev/fd/N adds to the file. */
    char log[600];
    snprintf(log, sizeof log, "%s/log", dir);
    const int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "first\n", 6), 6);
    snprintf(fdpath, sizeof fdpath, "/dev/fd/%d", fd);
    assert_int_equal(mc_atomic_save(fdpath, "second\n", 7, NULL), MC_OK);
    snprintf(fdpath, sizeof fdpath, "/proc/self/fd/%d", fd);
    assert_int_equal(mc_atomic_save(fdpath, "third\n", 6, NULL), MC_OK);
    close(fd);
    FILE *f = fopen(log, "r");
    assert_non_null(f);
    char text[64] = {0};
    assert_int_equal(fread(text, 1, sizeof text - 1, f), 19);
    fclose(f);
    assert_string_equal(text, "first\nsecond\nthird\n");

    /* A pipe: what /dev/stdout is under "maskcast ... | gzip". */
    int p[2];
    assert_int_equal(pipe(p), 0);
    snprintf(fdpath, sizeof fdpath, "/dev/fd/%d", p[1]);
    assert_int_equal(mc_atomic_save(fdpath, "piped", 5, NULL), MC_OK);
    close(p[1]);
    memset(text, 0, sizeof text);
    assert_int_equal(read(p[0], text, sizeof text), 5);
    assert_string_equal(text, "piped");
    close(p[0]);
    mc_error err;
    assert_int_equal(mc_atomic_save("/dev/fd/987654", "x", 1, &err), MC_ERR_IO);
    assert_contains(err.message, "/dev/fd/987654: cannot write: Bad file descriptor");
    remove_all(dir);
}

/* Refusals before anything is created. */
static void test_refusals(void **state)
{
    (void)state;
    char dir[512], path[600], list[1024];
    make_dir(dir, sizeof dir);
    mc_atomic_file a;
    mc_error err;
    assert_int_equal(mc_atomic_open(&a, "", &err), MC_ERR_ARGUMENT);
    assert_contains(err.message, "the output path is empty");
    assert_int_equal(mc_atomic_open(&a, dir, &err), MC_ERR_IO);
    assert_contains(err.message, "is a directory");
    snprintf(path, sizeof path, "%s/missing/out.csv", dir);
    assert_int_equal(mc_atomic_open(&a, path, &err), MC_ERR_IO);
    assert_contains(err.message, "missing/out.csv: cannot create a file in its directory");
    snprintf(path, sizeof path, "%s/dangling", dir);
    assert_int_equal(symlink("nowhere", path), 0);
    assert_int_equal(mc_atomic_open(&a, path, &err), MC_ERR_IO);
    assert_contains(err.message, "a symbolic link to a file that does not exist");
    unlink(path);
    listing(dir, list, sizeof list);
    assert_string_equal(list, "");
    remove_all(dir);
}

/* Runs in a child with the tmpfs mounted at `dir`. */
static int full_and_read_only(const char *dir)
{
    char path[600], list[1024];
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    if (save(path, 0, 16384, NULL) != MC_OK)
        return 10;
    /* Disk full: 64 KiB cannot hold the old file and a new one of 80 KiB. */
    mc_error err;
    if (save(path, 1, 80 * 1024, &err) != MC_ERR_IO || strstr(err.message, "No space") == NULL) {
        fprintf(stderr, "disk full: %s\n", err.message);
        return 11;
    }
    listing(dir, list, sizeof list);
    if (version_of(path, 16384, 2) != 0 || strcmp(list, "model.safetensors") != 0) {
        fprintf(stderr, "disk full left: %s\n", list);
        return 12;
    }
    /* Read-only: refused when the temporary is created, nothing changed. */
    if (mount(NULL, dir, NULL, MS_REMOUNT | MS_RDONLY, NULL) != 0)
        return 13;
    if (save(path, 1, 1000, &err) != MC_ERR_IO || strstr(err.message, "Read-only") == NULL) {
        fprintf(stderr, "read-only: %s\n", err.message);
        return 14;
    }
    listing(dir, list, sizeof list);
    if (version_of(path, 16384, 2) != 0 || strcmp(list, "model.safetensors") != 0)
        return 15;
    return CHILD_OK;
}

static void test_disk_full_and_read_only(void **state)
{
    (void)state;
    char dir[512];
    make_dir(dir, sizeof dir);
    const bool ran = in_private_tmpfs(dir, full_and_read_only);
    rmdir(dir);
    if (!ran)
        skip();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_killed_at_every_step),
        cmocka_unit_test(test_failure_at_every_step),
        cmocka_unit_test(test_temporaries),
        cmocka_unit_test(test_modes_and_descriptors),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_disk_full_and_read_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
