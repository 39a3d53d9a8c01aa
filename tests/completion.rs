//! completions/nook.bash and completions/_nook (zsh), for nook and for the
//! names it answers to as a personality (tini, docker-init, catatonit,
//! bwrap): each names every
//! option of the parser's own tables (read from src/, see
//! common/options.rs; one-directional, so the contract's options that the
//! parser does not take yet may be there too), every option they offer is
//! one docs/nook.1 documents, and they really complete: bash by calling
//! `_nook` on COMP_WORDS, zsh by typing TAB into an interactive zsh on a
//! pty (zsh/zpty) and collecting every match its completion system adds.

#[path = "common/options.rs"]
mod options;

use options::{mentions, parser_options, repo};
use std::collections::BTreeSet;
use std::fs;
use std::process::Command;

const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

fn completion_file(name: &str) -> String {
    fs::read_to_string(repo().join("completions").join(name)).unwrap_or_else(|e| panic!("read completions/{name}: {e}"))
}

/// The `--word` and `-x` tokens of `text`.
fn option_tokens(text: &str) -> BTreeSet<String> {
    let mut tokens = BTreeSet::new();
    for raw in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')) {
        let is_option = raw.len() > 1 && raw.starts_with('-') && raw.as_bytes()[1].is_ascii_alphabetic()
            || raw.len() > 2 && raw.starts_with("--") && raw.as_bytes()[2].is_ascii_alphabetic();
        if is_option {
            tokens.insert(raw.to_string());
        }
    }
    tokens
}

fn names_every_parser_option(file: &str) {
    let text = completion_file(file);
    let missing: Vec<String> = parser_options().into_iter().filter(|o| !mentions(&text, o)).collect();
    assert!(missing.is_empty(), "completions/{file} lacks these options of the parser: {missing:?}");
}

#[test]
fn bash_names_every_parser_option() {
    names_every_parser_option("nook.bash");
}

#[test]
fn zsh_names_every_parser_option() {
    names_every_parser_option("_nook");
}

/// No completion offers an option that the man page does not document (a
/// typo, or one the contract dropped).
#[test]
fn every_offered_option_is_documented() {
    let page = fs::read_to_string(repo().join("docs/nook.1")).unwrap().replace("\\-", "-");
    for file in ["nook.bash", "_nook"] {
        // Only the lists, not the shell code's own flags (`compadd -A`, ...).
        let text = completion_file(file);
        let lists: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            // (A case pattern of a value, `--bind*:0)`, is not an option either.)
            .filter(|l| l.contains("--") && !l.contains(":0") && !l.contains("compadd") && !l.contains("compgen"))
            .collect::<Vec<_>>()
            .join("\n");
        let undocumented: Vec<String> = option_tokens(&lists)
            .into_iter()
            .filter(|o| !mentions(&page, o))
            .collect();
        assert!(undocumented.is_empty(), "completions/{file} offers options docs/nook.1 does not document: {undocumented:?}");
    }
}

/// What bash's `_nook` puts in COMPREPLY for `words` (the cursor on the
/// last one), sorted.
fn bash_complete(words: &[&str]) -> Vec<String> {
    let script = "source \"$1\"; shift; COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); _nook; printf '%s\\n' \"${COMPREPLY[@]}\"";
    let out = Command::new("bash")
        .args(["-c", script, "bash"])
        .arg(repo().join("completions/nook.bash"))
        .args(words)
        .env_clear()
        .env("PATH", PATH)
        .current_dir("/")
        .output()
        .expect("run bash");
    assert!(out.status.success(), "bash completion of {words:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stderr.is_empty(), "bash completion of {words:?} wrote to stderr: {}", String::from_utf8_lossy(&out.stderr));
    let mut got: Vec<String> = String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.is_empty()).map(str::to_string).collect();
    got.sort();
    got.dedup();
    got
}

/// The parser's options that start with `prefix`.
fn parser_options_with(prefix: &str) -> Vec<String> {
    parser_options().into_iter().filter(|o| o.starts_with(prefix)).collect()
}

/// The cases both shells must complete alike: the words typed, and what
/// must be offered (exactly, or at least).
fn cases() -> Vec<(Vec<&'static str>, Vec<String>, bool)> {
    let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        (vec!["nook", "--unsh"], parser_options_with("--unsh"), true),
        (vec!["nook", "r"], s(&["run"]), true),
        (vec!["nook", "--propagation", "s"], s(&["shared", "slave"]), true),
        (vec!["nook", "--setgroups", ""], s(&["allow", "deny"]), true),
        (vec!["nook", "init", "--gr"], s(&["--grace"]), true),
        (vec!["nook", "enter", "--p"], s(&["--pid"]), true),
        (vec!["nook", "--cap-drop", "CAP_SYS_AD"], s(&["CAP_SYS_ADMIN"]), true),
        // A value is not taken for an option: after --bind SRC DEST and
        // --setenv VAR VALUE, options again.
        (vec!["nook", "--bind", "/a", "/b", "--ro-r"], s(&["--ro-root"]), true),
        (vec!["nook", "--setenv", "A", "--x", "--clear"], s(&["--clearenv"]), true),
        // At PROGRAM, after --: commands.
        (vec!["nook", "--unshare-pid", "--", "bas"], s(&["bash"]), false),
        // The personalities: their tools' own options.
        (vec!["bwrap", "--ro-b"], s(&["--ro-bind", "--ro-bind-data", "--ro-bind-fd", "--ro-bind-try"]), true),
        (vec!["bwrap", "--overlay", "a", "b", "c", "--unshare-u"], s(&["--unshare-user", "--unshare-user-try", "--unshare-uts"]), true),
        (vec!["tini", "-p", "TE"], s(&["TERM"]), true),
        (vec!["docker-init", "-e", "3", "-"], s(&["--version", "-e", "-g", "-h", "-l", "-p", "-s", "-v", "-w"]), true),
        (vec!["catatonit", "-"], s(&["--version", "-L", "-P", "-V", "-g", "-h"]), true),
    ]
}

/// Every case of [`cases`], completed by `shell`'s `complete`.
fn check_cases(shell: &str, complete: impl Fn(&[&str]) -> Vec<String>) {
    for (words, want, exact) in cases() {
        let got = complete(&words);
        if exact {
            assert_eq!(got, want, "{shell}: completing {words:?}");
        } else {
            assert!(want.iter().all(|w| got.contains(w)), "{shell}: completing {words:?} gave {got:?}, want at least {want:?}");
        }
    }
}

#[test]
fn bash_completes() {
    check_cases("bash", bash_complete);
}

/// Types `words` and TAB into an interactive `zsh -f` on a pty, with
/// completions/ in fpath and compinit run, and prints every match that any
/// completion function adds (compadd wrapped), sorted. A widget bound to
/// ^X^X, typed right after the TAB, marks the end of the matches.
const ZSH_DRIVER: &str = r#"
zmodload zsh/zpty || { print -u2 'no zsh/zpty'; exit 3 }
dir=$1; shift
setup=$(mktemp)
cat >$setup <<SETUP
PS1='' PS2=''
fpath=($dir \$fpath)
autoload -Uz compinit && compinit -u -D
bindkey '^I' complete-word
_mark() { print -r -- '<end>' }
zle -N _mark
bindkey '^X^X' _mark
compadd() {
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "\$@"; return; fi
  local -a hits; builtin compadd -A hits "\$@"
  (( \$#hits )) || return 1
  local h; for h in \$hits; do print -r -- "<c>\$h</c>"; done
}
SETUP
zpty z zsh -f -i
zpty -w z "source $setup; print -r -- RE''ADY"
zpty -r z line '*READY*'
# zle throws away what is typed before it reads (it then turns bracketed
# paste on).
zpty -r z line '*2004h*'
zpty -n -w z "$*"$'\t\x18\x18'
zpty -r z out '*<end>*'
zpty -d z
rm -f $setup
print -r -- "$out" | grep -o '<c>[^<]*</c>' | sed 's/<c>//; s/<\/c>//' | sort -u
"#;

/// What zsh's completion offers for `words` typed (an empty last word: the
/// cursor after a space), sorted.
fn zsh_complete(words: &[&str]) -> Vec<String> {
    let line = words.join(" ");
    let out = Command::new("timeout")
        .args(["30", "zsh", "-f", "-c", ZSH_DRIVER, "zsh"])
        .arg(repo().join("completions"))
        .arg(&line)
        .env_clear()
        .env("PATH", PATH)
        .env("TERM", "xterm")
        .current_dir("/")
        .output()
        .expect("run zsh (Debian's package zsh; scripts/test installs it)");
    assert!(out.status.success(), "zsh completion of {line:?} failed ({}): {}", out.status, String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.is_empty()).map(str::to_string).collect()
}

#[test]
fn zsh_completes() {
    check_cases("zsh", zsh_complete);
}

#[test]
fn zsh_parses_its_file() {
    let out = Command::new("zsh")
        .args(["-n"])
        .arg(repo().join("completions/_nook"))
        .env("PATH", PATH)
        .output()
        .expect("run zsh (Debian's package zsh; scripts/test installs it)");
    assert!(out.status.success(), "zsh -n completions/_nook: {}", String::from_utf8_lossy(&out.stderr));
}
