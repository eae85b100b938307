import Foundation
import GRDB

#if canImport(Glibc)
import Glibc
#endif

/// Same-run baselines: what the machine itself does for the same amount of work, so that each
/// service's figure can be given as a ratio (absolute seconds differ by half between machines
/// of the same kind; ratios measured in one run do not).
public enum Baseline {
    /// Seconds for `body`.
    public static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let started = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
    }

    /// A database configured as the services configure theirs: WAL, `synchronous=FULL`.
    static func database(_ path: String) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        return try DatabaseQueue(path: path, configuration: configuration)
    }

    /// SQLite alone: `rows` rows of about `bytes` bytes written with one prepared statement in
    /// one transaction, then read back in one query, in a fresh file under `folder`.
    public static func sqliteWriteAndRead(rows: Int, bytes: Int = 200, folder: String) throws -> (write: Double, read: Double) {
        let path = "\(folder)/baseline-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let db = try database(path)
        try db.write { try $0.execute(sql: "CREATE TABLE t (reference TEXT PRIMARY KEY, n INTEGER NOT NULL, payload TEXT NOT NULL)") }
        let payload = String(repeating: "x", count: bytes)
        let write = try seconds {
            try db.write { db in
                let insert = try db.makeStatement(sql: "INSERT INTO t (reference, n, payload) VALUES (?, ?, ?)")
                for i in 0..<rows { try insert.execute(arguments: [String(format: "%08d", i), i, payload]) }
            }
        }
        var count = 0
        let read = try seconds {
            try db.read { db in
                let cursor = try Row.fetchCursor(db, sql: "SELECT reference, n, payload FROM t ORDER BY reference")
                while let row = try cursor.next() { count += (row["n"] as Int) >= 0 ? 1 : 0 }
            }
        }
        precondition(count == rows)
        return (write, read)
    }

    /// SQLite alone: durable commits of one small row each, per second.
    public static func sqliteCommitsPerSecond(_ commits: Int, folder: String) throws -> Double {
        let path = "\(folder)/commits-\(UUID().uuidString).sqlite"
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let db = try database(path)
        try db.write { try $0.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)") }
        let elapsed = try seconds {
            for i in 0..<commits { try db.write { try $0.execute(sql: "INSERT INTO t (id, payload) VALUES (?, 'x')", arguments: [i]) } }
        }
        return Double(commits) / elapsed
    }

    /// The SMTP sink's own accept rate: `count` messages of about `bytes` bytes sent to it over
    /// one connection by a plain blocking client, MAIL/RCPT/DATA each, waiting for every reply.
    public static func smtpSinkAcceptsPerSecond(port: Int, count: Int, bytes: Int = 3_000) throws -> Double {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket failed") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw BenchError("cannot connect to the SMTP sink") }
        var pending: [UInt8] = []
        func readReply() throws {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                if let end = pending.firstIndex(of: 10) {
                    let line = pending[..<end]
                    pending.removeFirst(end + 1)
                    if line.count < 4 || line[line.startIndex + 3] != UInt8(ascii: "-") { return }
                    continue
                }
                let n = recv(fd, &buffer, buffer.count, 0)
                guard n > 0 else { throw BenchError("the SMTP sink closed the connection") }
                pending += buffer[0..<n]
            }
        }
        func say(_ text: String) throws {
            let sent = text.withCString { send(fd, $0, strlen($0), 0) }
            guard sent == text.utf8.count else { throw BenchError("short write to the SMTP sink") }
        }
        try readReply()
        try say("EHLO baseline\r\n")
        try readReply()
        let line = String(repeating: "A", count: 76) + "\r\n"
        let body = "X-Mentor-Claims-Template: baseline\r\nSubject: baseline\r\n\r\n" + String(repeating: line, count: max(1, bytes / 78)) + ".\r\n"
        let elapsed = try seconds {
            for _ in 0..<count {
                try say("MAIL FROM:<a@b.example>\r\n")
                try readReply()
                try say("RCPT TO:<c@d.example>\r\n")
                try readReply()
                try say("DATA\r\n")
                try readReply()
                try say(body)
                try readReply()
            }
        }
        try say("QUIT\r\n")
        return Double(count) / elapsed
    }
}
