/* A child process with a small tmpfs of its own mounted at a directory, in a
   private mount namespace: for tests of full and read-only file systems. */
#ifndef MC_TESTS_PRIVATE_MOUNT_H
#define MC_TESTS_PRIVATE_MOUNT_H

#define _GNU_SOURCE /* unshare() and CLONE_NEWNS */
#include "test_util.h"

#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

enum { CHILD_OK = 0, CHILD_SKIP = 77 };

/* A small tmpfs of our own, in a private mount namespace, at `dir`; false
   (with the reason) where this process may not make one. */
static inline bool write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return false;
    const bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

static inline bool private_tmpfs(const char *dir, char *why, size_t size)
{
    const uid_t uid = geteuid();
    const gid_t gid = getegid();
    const int flags = uid == 0 ? CLONE_NEWNS : CLONE_NEWUSER | CLONE_NEWNS;
    if (unshare(flags) != 0) {
        snprintf(why, size, "unshare: %s", strerror(errno));
        return false;
    }
    if (uid != 0) {
        /* Map our ids into the new user namespace, or files on the tmpfs
           belong to nobody and cannot be created (EOVERFLOW). */
        char map[64];
        snprintf(map, sizeof map, "%ld %ld 1\n", (long)uid, (long)uid);
        bool mapped = write_text("/proc/self/setgroups", "deny") &&
                      write_text("/proc/self/uid_map", map);
        snprintf(map, sizeof map, "%ld %ld 1\n", (long)gid, (long)gid);
        if (!mapped || !write_text("/proc/self/gid_map", map)) {
            snprintf(why, size, "mapping ids into the user namespace: %s", strerror(errno));
            return false;
        }
    }
    /* Nothing mounted here may reach the parent namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("mc_test", dir, "tmpfs", 0, "size=64k") != 0) {
        snprintf(why, size, "mount: %s", strerror(errno));
        return false;
    }
    return true;
}

/* The child's body, run by a cmocka runner of the child's own, so that a
   failed assert inside it ends the child with a failure instead of
   unwinding into the child's copy of the parent's runner. */
static int (*private_body)(const char *dir);
static const char *private_dir;

static inline void private_body_test(void **state)
{
    (void)state;
    assert_int_equal(private_body(private_dir), CHILD_OK);
}

/* Runs `body(dir)` in a child with a 64 KiB tmpfs at `dir` and fails the
   test unless it returns CHILD_OK (asserts may be used in it). Returns
   false, having said why, where no namespace or mount can be made (an
   unprivileged container): the caller cleans up and calls skip(). */
static inline bool in_private_tmpfs(const char *dir, int (*body)(const char *dir))
{
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    const pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        close(pipefd[0]);
        char why[256];
        if (!private_tmpfs(dir, why, sizeof why)) {
            ssize_t w = write(pipefd[1], why, strlen(why));
            (void)w;
            _exit(CHILD_SKIP);
        }
        private_body = body;
        private_dir = dir;
        const struct CMUnitTest body_test[] = {cmocka_unit_test(private_body_test)};
        _exit(cmocka_run_group_tests_name("in a private tmpfs", body_test, NULL, NULL) == 0
                  ? CHILD_OK
                  : 1);
    }
    close(pipefd[1]);
    char why[256] = {0};
    ssize_t got = read(pipefd[0], why, sizeof why - 1);
    (void)got;
    close(pipefd[0]);
    int status;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) == CHILD_SKIP) {
        print_message("skipped: this process cannot mount a private tmpfs (%s)\n", why);
        return false;
    }
    if (WEXITSTATUS(status) != CHILD_OK)
        fail_msg("the child in the private tmpfs failed with status %d", WEXITSTATUS(status));
    return true;
}

#endif /* MC_TESTS_PRIVATE_MOUNT_H */
