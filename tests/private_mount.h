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
static inline bool private_tmpfs(const char *dir, char *why, size_t size)
{
    const int flags = geteuid() == 0 ? CLONE_NEWNS : CLONE_NEWUSER | CLONE_NEWNS;
    if (unshare(flags) != 0) {
        snprintf(why, size, "unshare: %s", strerror(errno));
        return false;
    }
    /* Nothing mounted here may reach the parent namespace. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
        mount("mc_test", dir, "tmpfs", 0, "size=64k") != 0) {
        snprintf(why, size, "mount: %s", strerror(errno));
        return false;
    }
    return true;
}

/* Runs `body(dir)` in a child with a 64 KiB tmpfs at `dir` and fails the
   test unless it returns CHILD_OK. Returns false, having said why, where no
   namespace or mount can be made (an unprivileged container): the caller
   cleans up and calls skip(). The child reports by
   its exit status, never by cmocka's asserts (they would unwind into the
   child's copy of the test runner). */
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
        _exit(body(dir));
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
