import CMosquitto

/// The kernel's view of the calling thread, for the threads this project starts itself (libmosquitto's network
/// thread here, the pollers' `PollClock` in Bridge): glibc declares `gettid` and `pthread_setname_np` only under
/// `_GNU_SOURCE`, which Swift's Glibc module leaves out, so both go through the C shim (`shim.h`).
package enum ThreadIdentity {
    /// The calling thread's kernel id (gettid(2)), as listed in `/proc/self/task`.
    package static var current: Int32 { pro380_gettid() }

    /// Names the calling thread (prctl `PR_SET_NAME`; the kernel keeps the first 15 bytes): it shows in `/proc`,
    /// gdb and top.
    package static func name(_ name: String) {
        pro380_set_thread_name(name)
    }
}
