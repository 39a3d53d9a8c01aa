//! Kernel modules: finit_module(2), for `nook boot`.

use rustix::fd::BorrowedFd;
use rustix::io::Errno;
use core::ffi::CStr;

/// finit_module's flag that has the kernel decompress the file itself
/// (Linux 5.17, with CONFIG_MODULE_DECOMPRESS; include/uapi/linux/module.h).
const MODULE_INIT_COMPRESSED_FILE: i32 = 4;

/// Loads the module in file `fd` with the options `params` ("a=1 b=2").
/// A `compressed` file (.ko.gz, .ko.xz, .ko.zst) goes through the kernel's
/// own decompression: a kernel without it refuses the flag with EINVAL
/// (before 5.17) or EOPNOTSUPP (built without CONFIG_MODULE_DECOMPRESS),
/// see [`cannot_decompress`]. A module that is already loaded (EEXIST) is
/// loaded: success.
pub fn load(fd: BorrowedFd<'_>, params: &CStr, compressed: bool) -> Result<(), Errno> {
    let flags = if compressed { MODULE_INIT_COMPRESSED_FILE } else { 0 };
    match rustix::system::finit_module(fd, params, flags) {
        Err(Errno::EXIST) => Ok(()),
        other => other,
    }
}

/// Whether `load`'s error on a compressed module means that this kernel
/// cannot decompress modules.
pub fn cannot_decompress(e: Errno) -> bool {
    e == Errno::INVAL || e == Errno::NOTSUP
}
