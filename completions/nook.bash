# bash completion for nook(1). Installed by scripts/install as
# PREFIX/share/bash-completion/completions/nook; tests/completion.rs checks
# it against the parser's option tables.

# Options by the number of values they take. The sandbox and init options
# of the contract are here too (docs/nook.1 names the ones a build does
# not parse yet).
_nook_flags_run='--help -h --version -V --unshare-user --map-root --ro-root
  --clearenv --unshare-pid --no-init --die-with-parent --unshare-uts
  --unshare-ipc --unshare-net --unshare-cgroup --unshare-time --unshare-all
  --new-session'
_nook_flags_init='--signal-group --subreaper --new-session --warn-on-reap'
_nook_flags_sandbox='--landlock-scope --landlock-best-effort'
_nook_one_run='--map-user --map-group --uid-map --gid-map --setgroups
  --propagation --root --keep-old-root --size --perms --tmpfs --proc --dev
  --sys --mqueue --dir --remount-ro --make-shared --make-slave --make-private
  --make-unbindable --chdir --unsetenv --hostname --cap-drop --cap-add
  --info-fd --json-status-fd --block-fd --sync-fd'
_nook_one_init='--grace --pdeathsig --remap-exit --rewrite'
_nook_one_sandbox='--landlock-ro --landlock-rw --landlock-net-bind
  --landlock-net-connect --seccomp --add-seccomp-fd --seccomp-deny'
_nook_two='--bind --bind-try --ro-bind --ro-bind-try --dev-bind
  --dev-bind-try --symlink --setenv'
_nook_roles='run init enter switch-root boot mounts'
# The personalities (argv[0] tini, docker-init, catatonit, bwrap): their
# own tools' options.
_nook_tini='-h --version -s -g -v -w -l -p -e'
_nook_catatonit='-h --version -V -L -g -P'
_nook_bwrap_flags='--help --version --unshare-all --share-net --unshare-user
  --unshare-user-try --unshare-ipc --unshare-pid --unshare-net --unshare-uts
  --unshare-cgroup --unshare-cgroup-try --disable-userns
  --assert-userns-disabled --clearenv --new-session --die-with-parent
  --as-pid-1 --level-prefix'
_nook_bwrap_one='--args --argv0 --userns --userns2 --pidns --uid --gid
  --hostname --chdir --unsetenv --lock-file --sync-fd --remount-ro
  --exec-label --file-label --proc --dev --tmpfs --mqueue --dir --seccomp
  --add-seccomp-fd --block-fd --userns-block-fd --info-fd --json-status-fd
  --cap-add --cap-drop --perms --size --overlay-src --tmp-overlay
  --ro-overlay'
_nook_bwrap_two='--setenv --bind --bind-try --dev-bind --dev-bind-try
  --ro-bind --ro-bind-try --bind-fd --ro-bind-fd --file --bind-data
  --ro-bind-data --symlink --chmod'
_nook_caps='ALL CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH CAP_FOWNER
  CAP_FSETID CAP_KILL CAP_SETGID CAP_SETUID CAP_SETPCAP CAP_LINUX_IMMUTABLE
  CAP_NET_BIND_SERVICE CAP_NET_BROADCAST CAP_NET_ADMIN CAP_NET_RAW
  CAP_IPC_LOCK CAP_IPC_OWNER CAP_SYS_MODULE CAP_SYS_RAWIO CAP_SYS_CHROOT
  CAP_SYS_PTRACE CAP_SYS_PACCT CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_NICE
  CAP_SYS_RESOURCE CAP_SYS_TIME CAP_SYS_TTY_CONFIG CAP_MKNOD CAP_LEASE
  CAP_AUDIT_WRITE CAP_AUDIT_CONTROL CAP_SETFCAP CAP_MAC_OVERRIDE
  CAP_MAC_ADMIN CAP_SYSLOG CAP_WAKE_ALARM CAP_BLOCK_SUSPEND CAP_AUDIT_READ
  CAP_PERFMON CAP_BPF CAP_CHECKPOINT_RESTORE'
_nook_signals='HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE
  ALRM TERM STKFLT CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH
  IO PWR SYS RTMIN RTMAX'

# _nook_options ROLE: the options ROLE takes, one list.
_nook_options() {
    case $1 in
        run) echo "$_nook_flags_run $_nook_flags_init $_nook_flags_sandbox $_nook_one_run $_nook_one_init $_nook_one_sandbox $_nook_two" ;;
        init) echo "--help -h --pause $_nook_flags_init $_nook_flags_sandbox $_nook_one_init $_nook_one_sandbox" ;;
        enter) echo "--help -h --pid --chdir --clearenv --setenv --unsetenv $_nook_flags_sandbox $_nook_one_sandbox" ;;
        switch-root) echo "--force" ;;
        mounts) echo "--pid --all --json" ;;
        tini) echo "$_nook_tini" ;;
        catatonit) echo "$_nook_catatonit" ;;
        bwrap) echo "$_nook_bwrap_flags $_nook_bwrap_one $_nook_bwrap_two --overlay" ;;
    esac
}

# _nook_arity ROLE OPTION: how many values OPTION takes.
_nook_arity() {
    case $1:$2 in
        enter:--pid|mounts:--pid|tini:-p|tini:-e) echo 1; return ;;
        mounts:*|switch-root:*|tini:*|catatonit:*) echo 0; return ;;
        bwrap:--overlay) echo 3; return ;;
        bwrap:*)
            case " $(echo $_nook_bwrap_two) " in *" $2 "*) echo 2; return ;; esac
            case " $(echo $_nook_bwrap_one) " in *" $2 "*) echo 1; return ;; esac
            echo 0; return ;;
    esac
    case " $(echo $_nook_two) " in *" $2 "*) echo 2; return ;; esac
    case " $(echo $_nook_one_run $_nook_one_init $_nook_one_sandbox) " in *" $2 "*) echo 1; return ;; esac
    echo 0
}

# _nook_value OPTION INDEX: COMPREPLY for OPTION's INDEX-th value (0, 1).
_nook_value() {
    local cur=${COMP_WORDS[COMP_CWORD]}
    case $1:$2 in
        --propagation:0) COMPREPLY=($(compgen -W 'private slave shared unchanged' -- "$cur")) ;;
        --setgroups:0) COMPREPLY=($(compgen -W 'allow deny' -- "$cur")) ;;
        --cap-drop:0|--cap-add:0) COMPREPLY=($(compgen -W "$_nook_caps" -- "$cur")) ;;
        --pdeathsig:0|-p:0) COMPREPLY=($(compgen -W "$_nook_signals" -- "$cur")) ;;
        --pid:0) COMPREPLY=($(compgen -W "$(cd /proc 2>/dev/null && echo [0-9]*)" -- "$cur")) ;;
        --root:0|--keep-old-root:0|--chdir:0) COMPREPLY=($(compgen -d -- "$cur")) ;;
        --bind*:0|--ro-bind*:0|--dev-bind*:0|--landlock-r?:0) COMPREPLY=($(compgen -f -- "$cur")) ;;
        --unsetenv:0|--setenv:0) COMPREPLY=($(compgen -v -- "$cur")) ;;
        *) COMPREPLY=() ;;
    esac
}

_nook() {
    local cur=${COMP_WORDS[COMP_CWORD]} role=run i=1 word arity ended=
    COMPREPLY=()
    # nook's role: its personality's name, or the first word.
    case ${COMP_WORDS[0]##*/} in
        tini|docker-init) role=tini ;;
        catatonit) role=catatonit ;;
        bwrap) role=bwrap ;;
        *)
            case ${COMP_WORDS[1]-} in
                run|init|enter|switch-root|boot|mounts)
                    if [ "$COMP_CWORD" -gt 1 ]; then role=${COMP_WORDS[1]}; i=2; fi ;;
            esac ;;
    esac
    # Walk the words before the cursor as the parser reads them: each option
    # with its values, until `--` or the first word that is not an option
    # (PROGRAM, or switch-root's NEWROOT).
    while [ "$i" -lt "$COMP_CWORD" ]; do
        word=${COMP_WORDS[i]}
        case $word in
            --) ended=1; i=$((i + 1)); break ;;
            -*)
                arity=$(_nook_arity "$role" "$word")
                if [ $((i + arity)) -ge "$COMP_CWORD" ]; then
                    _nook_value "$word" $((COMP_CWORD - i - 1))
                    return 0
                fi
                i=$((i + arity + 1)) ;;
            *) ended=1; break ;;
        esac
    done
    if [ -n "$ended" ]; then
        # At PROGRAM: a command; past it, its arguments: files.
        if [ "$i" -eq "$COMP_CWORD" ] && [ "$role" != switch-root ]; then
            COMPREPLY=($(compgen -c -- "$cur"))
        else
            COMPREPLY=($(compgen -f -- "$cur"))
        fi
    elif [ "${cur#-}" != "$cur" ]; then
        COMPREPLY=($(compgen -W "$(_nook_options "$role")" -- "$cur"))
    elif [ "$COMP_CWORD" -eq 1 ] && [ "${COMP_WORDS[0]##*/}" = nook ]; then
        COMPREPLY=($(compgen -W "$_nook_roles" -- "$cur"))
    elif [ "$role" = switch-root ]; then
        COMPREPLY=($(compgen -d -- "$cur"))
    else
        COMPREPLY=($(compgen -c -- "$cur"))
    fi
    return 0
}
complete -F _nook nook
# The personalities' names too, unless their own tool's completion is
# loaded (their options are the same).
for _nook_name in tini docker-init catatonit bwrap; do
    complete -p "$_nook_name" >/dev/null 2>&1 || complete -F _nook "$_nook_name"
done
unset _nook_name
