import Foundation
import MessagingZMQ

/// `<service> bus-keys --out DIR`: a CurveZMQ key pair for each of the five services and, for
/// each, the settings that turn CurveZMQ on between them, ready for compose to mount:
///
/// - `DIR/<service>.key`: the service's secret key (Z85), readable by its owner only;
/// - `DIR/<service>.env`: `BUS_CURVE_SECRET_KEY_FILE` (where compose mounts the key),
///   `BUS_CURVE_ALLOWED_KEYS` (the other services' public keys: only they may subscribe or ask
///   for a replay) and `BUS_PEER_KEYS` (the public key of each producer it subscribes to).
///
/// Keys are drawn until none holds a `$` or a `#`, so that no compose file, env file or shell ever
/// reads part of one as a variable or a comment. An existing directory with keys in it is never overwritten (exit 73): new keys
/// are a new directory, and the services are restarted with it.
public enum BusKeysCommand {
    /// Where compose mounts each service's secret key.
    public static let mountedKeyPath = "/run/secrets/bus.key"

    public static func main(_ arguments: [String]) -> Never {
        guard arguments.count == 2, arguments[0] == "--out", !arguments[1].isEmpty else {
            FileHandle.standardError.write(Data("usage: <service> bus-keys --out DIR\n".utf8))
            exit(64)
        }
        do {
            let written = try write(to: URL(fileURLWithPath: arguments[1]))
            print("CurveZMQ keys for \(ServiceName.allCases.count) services written to \(arguments[1]): \(written.joined(separator: ", "))")
            exit(0)
        } catch let refusal as BusKeysRefusal {
            FileHandle.standardError.write(Data("bus-keys: \(refusal.message)\n".utf8))
            exit(73)
        } catch {
            FileHandle.standardError.write(Data("bus-keys: \(error)\n".utf8))
            exit(1)
        }
    }

    /// Writes every service's key and settings to `folder`; returns the files written.
    @discardableResult
    public static func write(to folder: URL) throws -> [String] {
        let manager = FileManager.default
        let existing = (try? manager.contentsOfDirectory(atPath: folder.path)) ?? []
        if let clash = existing.first(where: { $0.hasSuffix(".key") || $0.hasSuffix(".env") }) {
            throw BusKeysRefusal(message: "\(folder.path) already holds \(clash): choose an empty directory for new keys")
        }
        try manager.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var keys: [ServiceName: (publicKey: String, secretKey: String)] = [:]
        for service in ServiceName.allCases { keys[service] = try keyPair() }
        var written: [String] = []
        for service in ServiceName.allCases {
            let own = keys[service]!
            let keyFile = folder.appendingPathComponent("\(service.rawValue).key")
            try Data((own.secretKey + "\n").utf8).write(to: keyFile)
            try manager.setAttributes([.posixPermissions: 0o600], ofItemAtPath: keyFile.path)
            let allowed = ServiceName.allCases.filter { $0 != service }.map { keys[$0]!.publicKey }
            let peers = service.defaultPeers.map { "\($0.rawValue)=\(keys[$0]!.publicKey)" }
            var settings = ["BUS_CURVE_SECRET_KEY_FILE=\(mountedKeyPath)", "BUS_CURVE_ALLOWED_KEYS=\(allowed.joined(separator: ","))"]
            // web subscribes to nobody: no peer keys (a blank setting is refused).
            if !peers.isEmpty { settings.append("BUS_PEER_KEYS=\(peers.joined(separator: ","))") }
            let envFile = folder.appendingPathComponent("\(service.rawValue).env")
            try Data((settings.joined(separator: "\n") + "\n").utf8).write(to: envFile)
            written += [keyFile.lastPathComponent, envFile.lastPathComponent]
        }
        return written
    }

    /// A key pair with no `$` or `#` in either key.
    static func keyPair() throws -> (publicKey: String, secretKey: String) {
        while true {
            let pair = try ZMQCurve.keyPair()
            if !(pair.publicKey + pair.secretKey).contains(where: { $0 == "$" || $0 == "#" }) { return pair }
        }
    }
}

/// Why `bus-keys` wrote nothing.
struct BusKeysRefusal: Error {
    var message: String
}
