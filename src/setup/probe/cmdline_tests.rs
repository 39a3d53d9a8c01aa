use super::*;
use crate::base::text::Buf;

/// The words of a line as (param, value) pairs of strings.
fn split(text: &str) -> Vec<(String, Option<String>)> {
    let s = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    words(text.as_bytes()).map(|w| (s(w.param), w.value.map(s))).collect()
}

fn pair(param: &str, value: Option<&str>) -> (String, Option<String>) {
    (param.to_owned(), value.map(str::to_owned))
}

fn parse(text: &str) -> Cmdline<'_> {
    Cmdline::parse(text.as_bytes()).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
}

fn error(text: &str) -> Error<'_> {
    Cmdline::parse(text.as_bytes()).expect_err(text)
}

#[test]
fn words_split_at_the_kernel_s_whitespace() {
    assert_eq!(split("a b"), [pair("a", None), pair("b", None)]);
    assert_eq!(split("  a\t\tb\n"), [pair("a", None), pair("b", None)]);
    assert_eq!(split("a\x0bb\x0cc\rd"), [pair("a", None), pair("b", None), pair("c", None), pair("d", None)]);
    // Latin-1's no-break space is whitespace to the kernel's isspace too.
    let words: Vec<_> = super::words(b"a\xa0b").map(|w| w.param).collect();
    assert_eq!(words, [&b"a"[..], b"b"]);
    assert!(split("").is_empty());
    assert!(split(" \n\t ").is_empty());
}

#[test]
fn a_value_is_everything_after_the_first_equals() {
    assert_eq!(split("root=/dev/vda"), [pair("root", Some("/dev/vda"))]);
    assert_eq!(split("root=LABEL=a=b"), [pair("root", Some("LABEL=a=b"))]);
    assert_eq!(split("p="), [pair("p", Some(""))]);
    // As in next_arg, an `=` at the very start does not count as the first.
    assert_eq!(split("=a=b"), [pair("=a", Some("b"))]);
    assert_eq!(split("=a"), [pair("=a", None)]);
}

#[test]
fn quotes_are_handled_as_next_arg_handles_them() {
    // A value that starts with a quote: both quotes go.
    assert_eq!(split(r#"p="a b" q"#), [pair("p", Some("a b")), pair("q", None)]);
    // A word quoted whole: its quotes go too.
    assert_eq!(split(r#""p=a b" q"#), [pair("p", Some("a b")), pair("q", None)]);
    assert_eq!(split(r#""flag word""#), [pair("flag word", None)]);
    // Quotes inside a value only keep spaces from splitting; they stay.
    assert_eq!(split(r#"p=a"b c"d"#), [pair("p", Some(r#"a"b c"d"#))]);
    assert_eq!(split(r#"p="a b"c"#), [pair("p", Some(r#"a b"c"#))]);
    // An unterminated quote runs to the end of the line.
    assert_eq!(split(r#"p="a b c"#), [pair("p", Some("a b c"))]);
    // A lone quote as the value, or as the word.
    assert_eq!(split(r#"p=" q"#), [pair("p", Some(" q"))]);
    assert_eq!(split(r#"p=""#), [pair("p", Some(""))]);
    assert_eq!(split(r#"" q"#), [pair(" q", None)]);
}

#[test]
fn a_word_keeps_its_raw_text_and_joins_as_the_kernel_hands_it_on() {
    let (word, rest) = next_word(br#"  x="a b" y"#).unwrap();
    assert_eq!(word.raw, br#"x="a b""#);
    assert_eq!(rest, b" y");
    let mut out = [0u8; 16];
    let len = word.write_joined(&mut out).unwrap();
    assert_eq!(&out[..len], b"x=a b");
    assert_eq!(word.joined_len(), 5);
    assert_eq!(word.write_joined(&mut [0u8; 4]), None);
    let (word, _) = next_word(b"single").unwrap();
    assert_eq!(word.write_joined(&mut out), Some(6));
    assert_eq!(&out[..6], b"single");
    assert_eq!(next_word(b"   "), None);
}

#[test]
fn a_typical_line_gives_every_parameter() {
    let line = parse(
        "BOOT_IMAGE=/boot/vmlinuz root=UUID=0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 rootfstype=ext4 \
         rootflags=data=ordered,noatime rw rootwait console=ttyS0 init=/lib/systemd/systemd \
         nook.verbose quiet -- single x=1\n",
    );
    assert_eq!(line.root, Some(Root::Uuid(b"0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0")));
    assert_eq!(line.fstype, Some(&b"ext4"[..]));
    assert_eq!(line.flags, Some(&b"data=ordered,noatime"[..]));
    assert!(!line.read_only());
    assert_eq!(line.rootwait, Some(Wait::Forever));
    assert_eq!(line.wait(), Wait::Forever);
    assert_eq!(line.init, Some(&b"/lib/systemd/systemd"[..]));
    assert_eq!(line.verbose, 1);
    let args: Vec<_> = line.init_args().map(|w| w.raw).collect();
    assert_eq!(args, [&b"single"[..], b"x=1"]);
}

#[test]
fn an_empty_line_asks_for_nothing_and_mounts_read_only() {
    let line = parse("");
    assert_eq!(line.root, None);
    assert_eq!(line.fstype, None);
    assert_eq!(line.fstypes().count(), 0);
    assert_eq!(line.flags, None);
    assert!(line.read_only(), "the kernel mounts the root read-only unless told rw");
    assert_eq!(line.wait(), Wait::Seconds(DEFAULT_ROOT_DELAY));
    assert_eq!(line.init, None);
    assert_eq!(line.verbose, 0);
    assert_eq!(line.init_args().count(), 0);
}

#[test]
fn root_takes_each_form_and_the_last_root_wins() {
    assert_eq!(parse("root=/dev/vda").root, Some(Root::Path(b"/dev/vda")));
    assert_eq!(parse("root=/dev/nvme0n1p2").root, Some(Root::Path(b"/dev/nvme0n1p2")));
    assert_eq!(parse("root=254:1").root, Some(Root::Number { major: 254, minor: 1 }));
    assert_eq!(parse("root=UUID=ABCD").root, Some(Root::Uuid(b"ABCD")));
    assert_eq!(parse("root=LABEL=rootfs").root, Some(Root::Label(b"rootfs")));
    assert_eq!(parse("root=PARTUUID=1234abcd-01").root, Some(Root::PartUuid(b"1234abcd-01")));
    assert_eq!(parse("root=/dev/sda root=LABEL=b").root, Some(Root::Label(b"b")));
    // A label with a space, both ways the kernel line can carry it.
    assert_eq!(parse(r#"root="LABEL=my root""#).root, Some(Root::Label(b"my root")));
    assert_eq!(parse(r#"root=LABEL="my root""#).root, Some(Root::Label(b"my root")));
}

#[test]
fn a_root_that_names_nothing_is_a_clear_error() {
    for bad in ["root=", "root=UUID=", "root=LABEL=", "root=PARTUUID=", "root=/dev/"] {
        let e = error(bad);
        assert_eq!(std::str::from_utf8(e.param).unwrap(), "root", "{bad}");
        assert!(!e.expected.is_empty());
    }
    let e = error("root=sda1");
    assert_eq!(e.value, b"sda1");
    assert_eq!(e.expected.to_str().unwrap(), "/dev/NAME, MAJOR:MINOR, UUID=, LABEL= or PARTUUID=");
    assert_eq!(error("root=PARTLABEL=x").value, b"PARTLABEL=x");
    assert_eq!(error("root=8:").value, b"8:");
    assert!(error("root=PARTUUID=1234abcd-01/PARTNROFF=1").expected.to_str().unwrap().contains("PARTNROFF"));
}

#[test]
fn ro_and_rw_the_last_one_wins() {
    assert!(parse("ro").read_only());
    assert!(!parse("rw").read_only());
    assert!(parse("rw ro").read_only());
    assert!(!parse("ro rw").read_only());
    // `ro=1` is no `ro` to the kernel's readonly() handler.
    assert!(!parse("rw ro=1").read_only());
}

#[test]
fn waiting_follows_rootwait_then_rootdelay_then_the_default() {
    assert_eq!(parse("rootwait").wait(), Wait::Forever);
    assert_eq!(parse("rootwait=5").wait(), Wait::Seconds(5));
    assert_eq!(parse("rootdelay=3").wait(), Wait::Seconds(3));
    assert_eq!(parse("rootdelay=3").rootdelay, Some(3));
    assert_eq!(parse("rootdelay=3 rootwait").wait(), Wait::Forever);
    assert_eq!(parse("rootdelay=0").wait(), Wait::Seconds(0));
    for bad in ["rootdelay=", "rootdelay=x", "rootdelay=-1", "rootdelay=99999999999", "rootwait=1s"] {
        let e = error(bad);
        assert_eq!(e.expected.to_str().unwrap(), "a number of seconds", "{bad}");
    }
    assert_eq!(error("rootdelay=ten").param, b"rootdelay");
    assert_eq!(error("rootwait=ten").param, b"rootwait");
}

#[test]
fn rootfstype_is_a_list_of_types_to_try_in_order() {
    let line = parse("rootfstype=xfs,,ext4,");
    let types: Vec<_> = line.fstypes().collect();
    assert_eq!(types, [&b"xfs"[..], b"ext4"]);
    assert_eq!(parse("rootfstype=btrfs").fstypes().collect::<Vec<_>>(), [&b"btrfs"[..]]);
    assert_eq!(error("rootfstype=").param, b"rootfstype");
    assert_eq!(parse("rootflags=").flags, Some(&b""[..]));
    assert_eq!(parse(r#"rootflags="subvol=@ root,compress=zstd""#).flags, Some(&b"subvol=@ root,compress=zstd"[..]));
}

#[test]
fn init_and_its_arguments_after_the_dashes() {
    let line = parse(r#"root=/dev/vda init=/bin/sh -- -c "echo hi" x="a b" root=/dev/sdb --"#);
    assert_eq!(line.init, Some(&b"/bin/sh"[..]));
    // Nothing after `--` is a parameter, not even a root=.
    assert_eq!(line.root, Some(Root::Path(b"/dev/vda")));
    let mut buf = [0u8; 64];
    let args: Vec<String> = line
        .init_args()
        .map(|w| {
            let n = w.write_joined(&mut buf).unwrap();
            String::from_utf8(buf[..n].to_vec()).unwrap()
        })
        .collect();
    assert_eq!(args, ["-c", "echo hi", "x=a b", "root=/dev/sdb", "--"]);
    assert_eq!(error("init=").param, b"init");
    // A quoted `"--"` ends the parameters too, as in parse_args.
    assert_eq!(parse(r#"a "--" ro=x rw"#).init_args().count(), 2);
    assert!(parse(r#"rw "--" ro"#).init_args().count() == 1 && !parse(r#"rw "--" ro"#).read_only());
}

#[test]
fn the_words_after_dashes_are_init_s_and_never_parameters() {
    // The kernel itself refuses more than MAX_INIT_ARGS of them (it
    // panics before /init runs), so none is counted here.
    let args: Vec<String> = (0..MAX_INIT_ARGS + 1).map(|i| format!("a{i}")).collect();
    let line = format!("root=/dev/vda -- {} root=/dev/vdb rw", args.join(" "));
    let cmd = parse(&line);
    assert_eq!(cmd.init_args().count(), MAX_INIT_ARGS + 3);
    assert_eq!(cmd.root, Some(Root::Path(b"/dev/vda")));
    assert!(cmd.read_only());
}

#[test]
fn nook_verbose_takes_a_level_up_to_3() {
    assert_eq!(parse("nook.verbose").verbose, 1);
    assert_eq!(parse("nook.verbose=0").verbose, 0);
    assert_eq!(parse("nook.verbose=3").verbose, 3);
    assert_eq!(parse("nook.verbose=2 nook.verbose").verbose, 1);
    let e = error("nook.verbose=4");
    assert_eq!((std::str::from_utf8(e.param).unwrap(), e.value), ("nook.verbose", &b"4"[..]));
    assert_eq!(error("nook.verbose=yes").expected.to_str().unwrap(), "a level from 0 to 3");
}

#[test]
fn the_line_ends_at_a_nul() {
    let line = Cmdline::parse(b"root=/dev/vda rw\0root=/dev/sdb ro").unwrap();
    assert_eq!(line.root, Some(Root::Path(b"/dev/vda")));
    assert!(!line.read_only());
}

/// The options for `module` as strings.
fn options(line: &str, module: &str) -> Vec<String> {
    let line = parse(line);
    line.module_options(module.as_bytes()).map(|o| String::from_utf8(o.to_vec()).unwrap()).collect()
}

#[test]
fn module_options_are_collected_per_module_as_modprobe_does() {
    let line = r#"virtio-blk.queue_depth=64 virtio_blk.poll_queues=2 ext4.x="a b" ext4.flag"#;
    assert_eq!(options(line, "virtio_blk"), ["queue_depth=64", "poll_queues=2"]);
    assert_eq!(options(line, "virtio-blk"), ["queue_depth=64", "poll_queues=2"]);
    // Quotes stay: the kernel's parser of module parameters strips them.
    assert_eq!(options(line, "ext4"), [r#"x="a b""#, "flag"]);
    assert!(options(line, "xfs").is_empty());
    assert!(options(line, "virtio").is_empty());
}

#[test]
fn words_that_libkmod_ignores_are_no_module_s_options() {
    let line = r#""ext4.q=1" ext4.a.b=1 foo=ext4.c=1 .p=1 ext4.=1 ext4. ext4.d=1.5 -- ext4.after=1"#;
    assert_eq!(options(line, "ext4"), ["d=1.5"]);
    assert!(options(line, "foo=ext4").is_empty());
    assert!(options(line, "").is_empty());
}

#[test]
fn module_options_join_into_finit_module_s_parameter_string() {
    let line = parse(r#"virtio_blk.a=1 console=ttyS0 virtio_blk.b="x y" virtio_blk.c"#);
    let written = |module: &[u8], out: &mut Buffer<[MaybeUninit<u8>]>| {
        line.write_module_options(module, out);
        out.as_cstr().ok().map(|c| c.to_bytes().to_vec())
    };
    assert_eq!(written(b"virtio_blk", &mut Buf::<64>::new()).unwrap(), br#"a=1 b="x y" c"#);
    assert_eq!(written(b"ext4", &mut Buf::<64>::new()).unwrap(), b"");
    // 13 bytes: a buffer of 13 keeps one for the NUL.
    assert_eq!(written(b"virtio_blk", &mut Buf::<13>::new()), None);
    assert_eq!(written(b"virtio_blk", &mut Buf::<14>::new()).map(|w| w.len()), Some(13));
}

#[test]
fn blacklisted_modules_are_known_by_either_list_and_either_spelling() {
    let line = parse("modprobe.blacklist=floppy,virtio-net module_blacklist=btrfs -- modprobe.blacklist=ext4");
    assert!(line.is_blacklisted(b"floppy"));
    assert!(line.is_blacklisted(b"virtio_net"));
    assert!(line.is_blacklisted(b"btrfs"));
    assert!(!line.is_blacklisted(b"ext4"), "nothing after -- is a parameter");
    assert!(!line.is_blacklisted(b"virtio"));
    assert!(!parse("").is_blacklisted(b"floppy"));
}
