import Foundation

/// Progress output of the long-running subcommands, flushed at once so it shows when piped (`| tee`, CI logs).
enum Console {
    static func write(_ text: String) {
        print(text)
        fflush(nil)
    }
}
