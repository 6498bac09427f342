/* realpath() is XSI. */
#define _XOPEN_SOURCE 700

#include "io/atomic_file.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"

enum { SUFFIX = 6, ATTEMPTS = 100 };

__attribute__((weak)) int mc_atomic_fault_point(const char *step, const char *tmp)
{
    (void)step;
    (void)tmp;
    return 0;
}

static char *copy_text(const char *s)
{
    const size_t n = strlen(s) + 1;
    char *c = malloc(n);
    if (c != NULL)
        memcpy(c, s, n);
    return c;
}

/* SUFFIX letters and digits from the kernel's generator; when it cannot
   answer, from the clock, the pid and a stack address (O_EXCL still makes
   a clash safe: the next attempt draws again). */
static void random_suffix(char *out, unsigned attempt)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char bytes[SUFFIX];
    if (getrandom(bytes, sizeof bytes, GRND_NONBLOCK) != (ssize_t)sizeof bytes) {
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        uint64_t x = (uint64_t)t.tv_nsec ^ ((uint64_t)t.tv_sec << 30) ^
                     ((uint64_t)getpid() << 17) ^ (uint64_t)(uintptr_t)&t ^ attempt;
        for (size_t i = 0; i < SUFFIX; i++) {
            x += 0x9E3779B97F4A7C15u; /* splitmix64 */
            uint64_t z = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9u;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
            bytes[i] = (unsigned char)(z ^ (z >> 31));
        }
    }
    for (size_t i = 0; i < SUFFIX; i++)
        out[i] = alphabet[bytes[i] % (sizeof alphabet - 1)];
    out[SUFFIX] = '\0';
}

/* Whether `name` is "<base>.tmp.<pid>" with an optional ".<letters, digits,
   dots>" after it (this version's names and earlier versions'); stores pid. */
static bool stale_name(const char *name, const char *base, size_t base_len, long *pid)
{
    if (strncmp(name, base, base_len) != 0 || strncmp(name + base_len, ".tmp.", 5) != 0)
        return false;
    const char *p = name + base_len + 5;
    long v = 0;
    const char *digits = p;
    while (*p >= '0' && *p <= '9' && p - digits < 10)
        v = v * 10 + (*p++ - '0');
    if (p == digits || (*p != '\0' && *p != '.'))
        return false;
    for (const char *q = p; *q != '\0'; q++)
        if (!(*q == '.' || (*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'z') ||
              (*q >= 'A' && *q <= 'Z')))
            return false;
    *pid = v;
    return true;
}

/* Removes temporaries of `target` that dead processes of ours left behind.
   Best effort: any failure leaves them, as before. */
static void remove_stale(const char *dir, const char *base)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    const size_t base_len = strlen(base);
    const uid_t me = geteuid();
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        long pid;
        if (!stale_name(e->d_name, base, base_len, &pid) || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive, or not ours to ask about */
        struct stat st;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            st.st_uid == me)
            unlinkat(dirfd(d), e->d_name, 0);
    }
    closedir(d);
}

/* Splits `path` into a malloc'd directory ("." when none) and its last part. */
static char *directory_of(const char *path, const char **base)
{
    const char *slash = strrchr(path, '/');
    *base = slash != NULL ? slash + 1 : path;
    if (slash == NULL)
        return copy_text(".");
    const size_t n = slash == path ? 1 : (size_t)(slash - path);
    char *dir = malloc(n + 1);
    if (dir != NULL) {
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    return dir;
}

static mc_status io_error(mc_error *err, const char *path, const char *what, int e)
{
    return mc_error_set(err, MC_ERR_IO, 0, 0, "%s: %s: %s", path, what, strerror(e));
}

/* Creates the temporary beside a.target; fills a->tmp and a->f. */
static mc_status create_temporary(mc_atomic_file *a, const char *path, mc_error *err)
{
    const char *base;
    char *dir = directory_of(a->target, &base);
    const size_t n = strlen(a->target) + 32 + SUFFIX;
    a->tmp = malloc(n);
    if (dir == NULL || a->tmp == NULL) {
        free(dir);
        free(a->tmp);
        a->tmp = NULL;
        return mc_error_nomem(err, "naming a temporary file");
    }
    if (*base != '\0')
        remove_stale(dir, base);
    free(dir);
    int fd = -1, e = 0;
    for (unsigned attempt = 0; attempt < ATTEMPTS && fd < 0; attempt++) {
        char suffix[SUFFIX + 1];
        random_suffix(suffix, attempt);
        snprintf(a->tmp, n, "%s.tmp.%ld.%s", a->target, (long)getpid(), suffix);
        /* 0666 and the umask, as any new file; O_EXCL | O_NOFOLLOW: never a
           file or link that is already there. */
        fd = open(a->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        e = errno;
        if (fd < 0 && e != EEXIST)
            break;
    }
    if (fd < 0 || (e = mc_atomic_fault_point("open", a->tmp)) != 0) {
        if (fd >= 0) {
            close(fd);
            unlink(a->tmp);
        }
        free(a->tmp);
        a->tmp = NULL;
        return io_error(err, path, "cannot create a file in its directory", e);
    }
    a->f = fdopen(fd, "wb");
    if (a->f == NULL) {
        e = errno;
        close(fd);
        unlink(a->tmp);
        free(a->tmp);
        a->tmp = NULL;
        return io_error(err, path, "cannot write", e);
    }
    return MC_OK;
}

/* Opens an existing non-regular file (a device, a FIFO) to write through. */
static mc_status open_through(mc_atomic_file *a, const char *path, mc_error *err)
{
    const int fd = open(a->target, O_WRONLY | O_NOCTTY | O_CLOEXEC);
    if (fd < 0)
        return io_error(err, path, "cannot write", errno);
    a->f = fdopen(fd, "wb");
    if (a->f == NULL) {
        const int e = errno;
        close(fd);
        return io_error(err, path, "cannot write", e);
    }
    return MC_OK;
}

mc_status mc_atomic_open(mc_atomic_file *a, const char *path, mc_error *err)
{
    memset(a, 0, sizeof *a);
    if (path == NULL || *path == '\0')
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "the output path is empty");
    struct stat st;
    bool exists = lstat(path, &st) == 0;
    if (!exists && errno != ENOENT)
        return io_error(err, path, "cannot write", errno);
    if (exists && S_ISLNK(st.st_mode)) {
        a->target = realpath(path, NULL);
        if (a->target == NULL)
            return errno == ENOENT
                       ? mc_error_set(err, MC_ERR_IO, 0, 0,
                                      "%s: a symbolic link to a file that does not exist; give "
                                      "the path of the file itself",
                                      path)
                       : io_error(err, path, "cannot follow the symbolic link", errno);
        exists = stat(a->target, &st) == 0;
    } else {
        a->target = copy_text(path);
    }
    if (a->target == NULL)
        return mc_error_nomem(err, "naming the output file");
    mc_status s;
    if (exists && S_ISDIR(st.st_mode))
        s = mc_error_set(err, MC_ERR_IO, 0, 0, "%s: is a directory; give a file name", path);
    else if (exists && !S_ISREG(st.st_mode))
        s = open_through(a, path, err);
    else
        s = create_temporary(a, path, err);
    if (s != MC_OK) {
        free(a->target);
        a->target = NULL;
    }
    return s;
}

static void sync_directory(const char *target)
{
    const char *base;
    char *dir = directory_of(target, &base);
    if (dir == NULL)
        return;
    const int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd >= 0) {
        fsync(fd); /* the rename is done; a failure here only weakens durability */
        close(fd);
    }
}

mc_status mc_atomic_commit(mc_atomic_file *a, const char *name, mc_error *err)
{
    if (a->f == NULL)
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "%s: the file is not open", name);
    if (a->tmp == NULL) { /* written through: nothing to sync or rename */
        const bool ok = fflush(a->f) == 0 && !ferror(a->f);
        const int e = errno;
        const bool closed = fclose(a->f) == 0;
        a->f = NULL;
        free(a->target);
        a->target = NULL;
        return ok && closed ? MC_OK : io_error(err, name, "cannot write", ok ? errno : e);
    }
    const char *step = NULL;
    int e = 0;
    if (fflush(a->f) != 0 || ferror(a->f))
        e = errno != 0 ? errno : EIO, step = "cannot write";
    else if ((e = mc_atomic_fault_point("sync", a->tmp)) != 0 || fsync(fileno(a->f)) != 0)
        e = e != 0 ? e : errno, step = "cannot sync the file to disk";
    if (fclose(a->f) != 0 && step == NULL)
        e = errno, step = "cannot write";
    a->f = NULL;
    if (step == NULL && ((e = mc_atomic_fault_point("rename", a->tmp)) != 0 ||
                         rename(a->tmp, a->target) != 0))
        e = e != 0 ? e : errno, step = "cannot rename the temporary file over it";
    if (step != NULL) {
        unlink(a->tmp);
    } else {
        mc_atomic_fault_point("renamed", a->tmp);
        sync_directory(a->target);
    }
    free(a->tmp);
    free(a->target);
    a->tmp = a->target = NULL;
    return step == NULL ? MC_OK : io_error(err, name, step, e);
}

void mc_atomic_abort(mc_atomic_file *a)
{
    if (a == NULL)
        return;
    if (a->f != NULL)
        fclose(a->f);
    if (a->tmp != NULL)
        unlink(a->tmp);
    free(a->tmp);
    free(a->target);
    a->f = NULL;
    a->tmp = a->target = NULL;
}

mc_status mc_atomic_write(mc_atomic_file *a, const void *data, size_t n, const char *name,
                          mc_error *err)
{
    /* In two parts, the first flushed before the "write" fault point, so that
       a test killing the process there leaves a half-written temporary. */
    const size_t half = n / 2;
    int e = 0;
    if (fwrite(data, 1, half, a->f) != half || fflush(a->f) != 0)
        e = errno != 0 ? errno : EIO;
    else if ((e = mc_atomic_fault_point("write", a->tmp != NULL ? a->tmp : a->target)) != 0)
        ;
    else if (fwrite((const char *)data + half, 1, n - half, a->f) != n - half)
        e = errno != 0 ? errno : EIO;
    return e == 0 ? MC_OK : io_error(err, name, "cannot write", e);
}

mc_status mc_atomic_save(const char *path, const void *data, size_t n, mc_error *err)
{
    mc_atomic_file a;
    mc_status st = mc_atomic_open(&a, path, err);
    if (st == MC_OK && (st = mc_atomic_write(&a, data, n, path, err)) != MC_OK)
        mc_atomic_abort(&a);
    else if (st == MC_OK)
        st = mc_atomic_commit(&a, path, err);
    return st;
}
