import Foundation
import TestSupport
import Testing

/// The README's quick start says what its two commands install and run: kept true against the scripts themselves.
@Suite struct QuickStartDocumentationTests {
    static let root = TestEnvironment.packageRoot

    static func text(_ path: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
    }

    /// The quick start's paragraph (from the commands to the next section).
    static func quickStart() throws -> String {
        let readme = try text("README.md")
        let start = try #require(readme.range(of: "## Quick start"))
        let end = try #require(readme.range(of: "\n## ", range: start.upperBound..<readme.endIndex))
        return String(readme[start.upperBound..<end.lowerBound])
    }

    /// Every apt package `scripts/setup.sh` may install (its list, and python3-venv) is named in the quick start.
    @Test func everyPackageTheSetupInstallsIsNamed() throws {
        let setup = try Self.text("scripts/setup.sh")
        let listLine = try #require(setup.split(separator: "\n").first { $0.hasPrefix("for pkg in ") })
        let packages =
            listLine.dropFirst("for pkg in ".count).split(separator: ";")[0].split(separator: " ").map(String.init)
            + ["python3-venv"]
        #expect(packages.count >= 8, "\(packages)")
        #expect(setup.contains("missing+=(python3-venv)"))
        let quickStart = try Self.quickStart()
        for package in packages {
            #expect(quickStart.contains("`\(package)`"), "\(package) is installed by setup.sh but not named")
        }
    }

    /// Both commands run `scripts/setup.sh` first (apt through sudo when not root), as the quick start says; the
    /// demo then builds the release binary, the tests install the PyPI peers.
    @Test func bothCommandsRunTheSetupFirst() throws {
        for (script, setupCall, next) in [
            ("scripts/demo.sh", "scripts/setup.sh\n", "scripts/build-release.sh"),
            ("scripts/test.sh", "scripts/setup.sh --with-test-peers\n", "swift format lint --strict"),
        ] {
            let body = try Self.text(script)
            let setup = try #require(body.range(of: setupCall), "\(script) does not run \(setupCall)")
            let after = try #require(body.range(of: next), "\(script): \(next)")
            #expect(setup.lowerBound < after.lowerBound, "\(script) runs \(next) before the setup")
        }
        let setup = try Self.text("scripts/setup.sh")
        #expect(setup.contains(#"SUDO="sudo""#) && setup.contains("$SUDO apt-get install"))
        let quickStart = try Self.quickStart()
        #expect(quickStart.contains("Both start with `scripts/setup.sh`"))
        #expect(quickStart.contains("through `sudo`"))
        #expect(quickStart.contains("`scripts/test-peers.txt`"))
    }
}
