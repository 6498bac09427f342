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
#include <sys/file.h>
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

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Whether `name` is "<base>.tmp.<pid>.<SUFFIX letters or digits>", the name
   create_temporary() gives (nothing else is ever swept). */
static bool temporary_name(const char *name, const char *base, size_t base_len)
{
    if (strncmp(name, base, base_len) != 0 || strncmp(name + base_len, ".tmp.", 5) != 0)
        return false;
    const char *p = name + base_len + 5, *digits = p;
    while (*p >= '0' && *p <= '9' && p - digits < 10)
        p++;
    if (p == digits || *p != '.')
        return false;
    for (size_t i = 1; i <= SUFFIX; i++)
        if (!is_alnum(p[i]))
            return false;
    return p[SUFFIX + 1] == '\0';
}

/* Removes temporaries of `base` in `dir` that no process is writing: each
   writer holds an flock on its temporary until it is renamed, and the kernel
   drops the lock when the writer dies, however it dies; so a temporary we can
   lock is abandoned. Unlike a test of the pid in the name, this holds across
   pid namespaces (containers sharing a volume) and, where the file system
   supports locks, across NFS clients. Only regular files we own are
   touched. Best effort: any failure leaves the file. */
static void remove_stale(const char *dir, const char *base)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    const size_t base_len = strlen(base);
    const uid_t me = geteuid();
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!temporary_name(e->d_name, base, base_len))
            continue;
        const int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            continue;
        struct stat st;
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == me &&
            flock(fd, LOCK_EX | LOCK_NB) == 0)
            unlinkat(dirfd(d), e->d_name, 0);
        close(fd); /* and with it the lock */
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

/* Creates the temporary beside a.target (whose mode, when it exists, is
   `old_mode`, else 0); fills a->tmp and a->f. */
static mc_status create_temporary(mc_atomic_file *a, const char *path, mode_t old_mode,
                                  mc_error *err)
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
    if (fd >= 0) {
        /* Ours until renamed (remove_stale); a file system without locks
           makes sweepers skip it too. */
        flock(fd, LOCK_EX | LOCK_NB);
        /* A replaced file keeps its permissions (a 0600 model stays 0600). */
        if (old_mode != 0)
            fchmod(fd, old_mode & 07777);
    }
    bool opened = false; /* created, but fdopen failed */
    if (fd >= 0 && (e = mc_atomic_fault_point("open", a->tmp)) == 0) {
        if ((a->f = fdopen(fd, "wb")) != NULL)
            return MC_OK;
        e = errno;
        opened = true;
    }
    if (fd >= 0) {
        close(fd);
        unlink(a->tmp);
    }
    free(a->tmp);
    a->tmp = NULL;
    if (opened)
        return io_error(err, path, "cannot write", e);
    return strcmp(path, a->target) == 0
               ? io_error(err, path, "cannot create a file in its directory", e)
               : mc_error_set(err, MC_ERR_IO, 0, 0,
                              "%s: cannot create a file in the directory of %s, where it links: %s",
                              path, a->target, strerror(e));
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

/* The descriptor `path` names when it is one of the process's own
   (/dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N); -1 otherwise. */
static int own_descriptor(const char *path)
{
    if (strcmp(path, "/dev/stdout") == 0)
        return 1;
    if (strcmp(path, "/dev/stderr") == 0)
        return 2;
    const char *digits = strncmp(path, "/dev/fd/", 8) == 0          ? path + 8
                         : strncmp(path, "/proc/self/fd/", 14) == 0 ? path + 14
                                                                     : NULL;
    if (digits == NULL || *digits == '\0')
        return -1;
    long v = 0;
    for (const char *p = digits; *p != '\0'; p++) {
        if (*p < '0' || *p > '9' || v > 1000000)
            return -1;
        v = v * 10 + (*p - '0');
    }
    return (int)v;
}

/* Writes through a copy of descriptor `fd`: not reopened, so a file the
   shell opened with >> keeps appending, and a pipe stays the pipe. */
static mc_status open_descriptor(mc_atomic_file *a, const char *path, int fd, mc_error *err)
{
    const int copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    if (copy < 0)
        return io_error(err, path, "cannot write", errno);
    FILE *f = fdopen(copy, "wb");
    char *target = f != NULL ? copy_text(path) : NULL;
    if (f == NULL || target == NULL) {
        const int e = errno;
        if (f != NULL)
            fclose(f);
        else
            close(copy);
        return f == NULL ? io_error(err, path, "cannot write", e)
                         : mc_error_nomem(err, "opening the output");
    }
    a->f = f;
    a->target = target;
    return MC_OK;
}

mc_status mc_atomic_open(mc_atomic_file *a, const char *path, mc_error *err)
{
    memset(a, 0, sizeof *a);
    if (path == NULL || *path == '\0')
        return mc_error_set(err, MC_ERR_ARGUMENT, 0, 0, "the output path is empty");
    const int own = own_descriptor(path);
    if (own >= 0)
        return open_descriptor(a, path, own, err);
    struct stat st;
    bool exists = lstat(path, &st) == 0;
    if (!exists && errno != ENOENT)
        return io_error(err, path, "cannot write", errno);
    if (exists && S_ISLNK(st.st_mode)) {
        if (stat(path, &st) != 0)
            return errno == ENOENT
                       ? mc_error_set(err, MC_ERR_IO, 0, 0,
                                      "%s: a symbolic link to a file that does not exist; give "
                                      "the path of the file itself",
                                      path)
                       : io_error(err, path, "cannot follow the symbolic link", errno);
        /* A regular file is replaced where it is; anything else is opened
           through the link, as the link's own path. */
        a->target = S_ISREG(st.st_mode) ? realpath(path, NULL) : copy_text(path);
        if (a->target == NULL && errno != ENOMEM)
            return io_error(err, path, "cannot follow the symbolic link", errno);
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
        s = create_temporary(a, path, exists ? st.st_mode : 0, err);
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
    /* Renamed while still open: the temporary's lock (remove_stale) holds
       until it has its final name. */
    const char *step = NULL;
    int e = 0;
    if (fflush(a->f) != 0 || ferror(a->f))
        e = errno != 0 ? errno : EIO, step = "cannot write";
    else if ((e = mc_atomic_fault_point("sync", a->tmp)) != 0 || fsync(fileno(a->f)) != 0)
        e = e != 0 ? e : errno, step = "cannot sync the file to disk";
    else if ((e = mc_atomic_fault_point("rename", a->tmp)) != 0 || rename(a->tmp, a->target) != 0)
        e = e != 0 ? e : errno, step = "cannot rename the temporary file over it";
    if (step != NULL)
        unlink(a->tmp);
    else
        mc_atomic_fault_point("renamed", a->tmp);
    if (fclose(a->f) != 0 && step == NULL) /* after a sync, close reports nothing new */
        e = errno, step = "cannot close the file (it is in place)";
    a->f = NULL;
    if (step == NULL)
        sync_directory(a->target);
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
