/* bench-floor ROOT PROGRAM [ARG...]
 *
 * The bare syscall sequence of `nook --unshare-pid --no-init --root ROOT
 * --proc /proc --dev /dev -- PROGRAM`: the floor that scripts/bench
 * measures nook's launch latency against. Its /dev is nook's (and bwrap's)
 * minimal one, made with the old mount API: see make_dev. No option parsing, no checks beyond
 * the return codes, no cleanup; PROGRAM is exec'd as PID 1 of the new PID
 * namespace.
 *
 * Built with -DKEEP_INIT it is the floor of nook's default `--unshare-pid`
 * (an init kept as PID 1): PID 1 forks once more, the grandchild execs
 * PROGRAM, and PID 1 waits for it (reaping anything else that dies on the
 * way) and exits with its status. No signal forwarding: a floor, not a
 * usable init.
 *
 * Built static: musl-gcc -O2 -static [-DKEEP_INIT] bench-floor.c. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what) { perror(what); _exit(125); }

/* Write the whole of S to PATH (the id maps and setgroups). */
static void put(const char *path, const char *s) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, s, strlen(s)) != (ssize_t)strlen(s)) die(path);
    close(fd);
}

/* An empty file PATH (mode 0444) to bind a node onto, as nook makes it. */
static void make_file(const char *path) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0444);
    if (fd < 0) die(path);
    close(fd);
}

/* Binds the host's node HOST onto the file DEST, nosuid and noexec like
 * nook's (the old API needs a second, remount call for the flags, and must
 * repeat those the kernel locked: LOCKED, from the host's /dev). */
static void bind_node(const char *host, const char *dest, unsigned long locked) {
    make_file(dest);
    if (mount(host, dest, NULL, MS_BIND, NULL)) die(host);
    if (mount(NULL, dest, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NOEXEC | locked, NULL)) die(dest);
}

/* nook's --dev DEST (relative to the new root, before the pivot): a tmpfs;
 * six nodes bound from the host; the symlinks; shm; a new devpts instance;
 * the terminal as console when stdin or stdout is one (never in the bench). */
static void make_dev(void) {
    static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty"};
    static const char *const links[][2] = {
        {"/proc/self/fd", "dev/fd"}, {"/proc/self/fd/0", "dev/stdin"}, {"/proc/self/fd/1", "dev/stdout"},
        {"/proc/self/fd/2", "dev/stderr"}, {"/proc/kcore", "dev/core"}, {"pts/ptmx", "dev/ptmx"},
    };
    char host[16];
    struct statvfs sv;
    if (statvfs("/dev/null", &sv)) die("statvfs /dev/null");
    unsigned long locked = sv.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME | ST_NODIRATIME | ST_RELATIME);
    if (mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755")) die("dev");
    for (unsigned i = 0; i < sizeof nodes / sizeof *nodes; i++) {
        snprintf(host, sizeof host, "/dev/%s", nodes[i]);
        bind_node(host, host + 1, locked);   /* "/dev/null" onto "dev/null" */
    }
    for (unsigned i = 0; i < sizeof links / sizeof *links; i++)
        if (symlink(links[i][0], links[i][1])) die(links[i][1]);
    if (mkdir("dev/shm", 0755)) die("mkdir dev/shm");
    if (mount("tmpfs", "dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777")) die("dev/shm");
    if (mkdir("dev/pts", 0755)) die("mkdir dev/pts");
    if (mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=620")) die("dev/pts");
    for (int fd = 0; fd < 2; fd++) {
        const char *tty = ttyname(fd);       /* isatty, readlink, same device */
        if (!tty) continue;
        make_file("dev/console");
        if (mount(tty, "dev/console", NULL, MS_BIND, NULL)) die("dev/console");
        break;
    }
}

/* Wait for PID, reaping every other child on the way; its exit code. */
static int wait_for(pid_t pid) {
    int status;
    pid_t got;
    do {
        got = wait(&status);
        if (got < 0) die("wait");
    } while (got != pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(int argc, char **argv) {
    char map[64];
    if (argc < 3) { fputs("usage: bench-floor ROOT PROGRAM [ARG...]\n", stderr); return 2; }
    unsigned uid = getuid(), gid = getgid();
    /* User, mount and PID namespace; the caller's ids become 0 inside. */
    if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID)) die("unshare");
    snprintf(map, sizeof map, "0 %u 1\n", uid);
    put("/proc/self/uid_map", map);
    put("/proc/self/setgroups", "deny");
    snprintf(map, sizeof map, "0 %u 1\n", gid);
    put("/proc/self/gid_map", map);
    pid_t pid = fork();                      /* the child is PID 1 */
    if (pid < 0) die("fork");
    if (pid == 0) {
        if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) die("private");
        if (mount(argv[1], argv[1], NULL, MS_BIND | MS_REC, NULL)) die("bind root");
        if (chdir(argv[1])) die("chdir root");
        if (mount("proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL)) die("proc");
        make_dev();
        if (syscall(SYS_pivot_root, ".", ".")) die("pivot_root");
        if (umount2(".", MNT_DETACH)) die("umount old root");
        if (chdir("/")) die("chdir /");
#ifdef KEEP_INIT
        pid_t prog = fork();                 /* PID 2: PROGRAM */
        if (prog < 0) die("fork");
        if (prog == 0) {
            execv(argv[2], argv + 2);
            die("execv");
        }
        _exit(wait_for(prog));               /* PID 1 stays until it exits */
#else
        execv(argv[2], argv + 2);            /* PROGRAM is PID 1 */
        die("execv");
#endif
    }
    return wait_for(pid);
}
