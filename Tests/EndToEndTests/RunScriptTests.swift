import Foundation
import TestSupport
import Testing

/// What a newcomer sees: `make run` (scripts/run.sh) starts the five services, loads the demo data
/// on an empty `.data/`, prints the address to open and the demo users, and Ctrl-C stops all five.
@Suite(.serialized)
struct RunScriptTests {
    @Test func makeRunPrintsTheAddressAndTheDemoUsersWhoCanSignIn() async throws {
        let folder = try TemporaryFolder("make-run")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let script = BuiltProducts.packageRoot.appendingPathComponent("scripts/run.sh").path
        // As from a terminal: the test runner's blocked or ignored signals are given back first.
        let asFromATerminal = """
            import os, signal, sys
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGINT, signal.SIGTERM])
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            os.execvp("bash", ["bash", sys.argv[1]])
            """
        let run = try ProcessLauncher.start(
            "/usr/bin/env",
            arguments: ["python3", "-c", asFromATerminal, script],
            environment: ["BIN": BuiltProducts.directory.path],
            directory: folder.url,
            logName: "run"
        )
        defer {
            // Whatever happened, nothing it started keeps running.
            _ = try? ProcessLauncher.run("/usr/bin/pkill", arguments: ["-KILL", "-P", "\(run.pid)"])
            run.killNow()
        }
        try await Eventually.wait("make run to print the address", timeout: 120, interval: .milliseconds(200)) {
            run.output.contains("Press Ctrl-C to stop all five.")
        }
        let output = run.output
        #expect(output.contains("Open http://127.0.0.1:8084 in your browser."), "\(output)")
        for user in ["jo.bloggs@alder-primary.example", "priya.shah@oak-trust.example", "chris.lee@best-itt.example", "alex.morgan@education.gov.uk"]
        {
            #expect(output.contains(user), "\(user) is not printed")
        }
        // The demo users are on the development sign-in page, loaded through the public interfaces.
        let web = TestHTTP(base: "http://127.0.0.1:8084")
        let signIn = try await web.get("/sign-in")
        #expect(signIn.status == 200)
        for user in ["Jo Bloggs", "Priya Shah", "Chris Lee", "Sam Patel", "Alex Morgan"] {
            #expect(signIn.text.contains(user), "\(user) is not on the sign-in page")
        }
        let start = try await web.get("/")
        #expect(start.text.contains("Start now") && start.text.contains("Inner London"))
        run.send(SIGINT)
        #expect(await run.waitForExit(timeout: 20), "make run did not stop")
        #expect(run.output.contains("Stopped."))
    }
}
