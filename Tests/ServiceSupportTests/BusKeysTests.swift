import Foundation
import Testing

@testable import ServiceSupport

@Suite struct BusKeysTests {
    /// The settings `bus-keys` writes, read by each service exactly as it reads its environment.
    @Test func theKeysTurnCurveZMQOnBetweenTheFiveServicesAndEachTrustsOnlyTheOthers() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("bus-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let written = try BusKeysCommand.write(to: folder)
        #expect(written.count == 10)
        var configurations: [ServiceName: ServiceConfiguration] = [:]
        for service in ServiceName.allCases {
            let keyFile = folder.appendingPathComponent("\(service.rawValue).key")
            let mode = try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(service.rawValue)'s secret key is for its owner only")
            var env = try Self.envFile(folder.appendingPathComponent("\(service.rawValue).env"))
            #expect(env["BUS_CURVE_SECRET_KEY_FILE"] == BusKeysCommand.mountedKeyPath)
            #expect(!env.values.contains { $0.contains("$") || $0.contains("#") })
            env["BUS_CURVE_SECRET_KEY_FILE"] = keyFile.path
            env["BUS_PUBLISH"] = "tcp://0.0.0.0:\(5551 + 2 * ServiceName.allCases.firstIndex(of: service)!)"
            env["AUTH_JWT_SECRET"] = String(repeating: "k", count: 40)
            configurations[service] = try ServiceConfiguration.load(for: service, from: EnvironmentReader(env))
        }
        for service in ServiceName.allCases {
            let curve = try #require(configurations[service]?.busCurve)
            let others = Set(ServiceName.allCases.filter { $0 != service }.compactMap { configurations[$0]?.busCurve?.publicKey })
            #expect(curve.allowedClientKeys == others, "\(service.rawValue) lets in the other four and nobody else")
            for peer in configurations[service]?.busPeers ?? [] {
                let producer = try #require(ServiceName(rawValue: peer.name))
                #expect(peer.serverKey == configurations[producer]?.busCurve?.publicKey, "\(service.rawValue) pins \(peer.name)'s key")
            }
        }
        #expect(Set(ServiceName.allCases.compactMap { configurations[$0]?.busCurve?.publicKey }).count == 5)
        // Keys already there are never overwritten.
        #expect(throws: BusKeysRefusal.self) { try BusKeysCommand.write(to: folder) }
    }

    static func envFile(_ url: URL) throws -> [String: String] {
        var values: [String: String] = [:]
        for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            values[parts[0]] = parts.count > 1 ? parts[1] : ""
        }
        return values
    }
}
