import Foundation
import ServiceSupport
import TestSupport
import Testing

/// compose.yaml, the Dockerfile and the README must agree with what the code reads.
@Suite struct DeploymentFilesTests {
    let root = BuiltProducts.packageRoot

    /// The variables `service` reads, as the executable lists them.
    static func variables(of service: ServiceName) throws -> [String] {
        let listed = try ProcessLauncher.run(BuiltProducts.path(service.rawValue), arguments: ["configuration", "variables"])
        #expect(listed.status == 0, "\(listed.output)")
        return listed.output.split(separator: "\n").map(String.init)
    }

    func compose() throws -> [String: Any] {
        let path = root.appendingPathComponent("compose.yaml").path
        let result = try ProcessLauncher.run(
            "/usr/bin/env",
            arguments: ["python3", "-c", "import json,sys,yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", path]
        )
        #expect(result.status == 0, "\(result.output)")
        return try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] ?? [:]
    }

    @Test func composeNamesEveryServiceVolumePortAndVariableTheCodeExpects() throws {
        let document = try compose()
        let services = document["services"] as? [String: [String: Any]] ?? [:]
        let volumes = document["volumes"] as? [String: Any] ?? [:]
        var endpoints: [String: String] = [:]
        for name in ServiceName.allCases {
            let service = try #require(services[name.rawValue], "compose.yaml has no \(name.rawValue)")
            #expect(service["command"] as? [String] == [name.rawValue])
            #expect(service["image"] as? String == "mentor-claims:latest")
            let env = (service["environment"] as? [String: Any] ?? [:]).mapValues { "\($0)" }
            let known = try Self.variables(of: name)
            for key in env.keys {
                #expect(known.contains(key), "\(name.rawValue) sets unknown variable \(key)")
            }
            #expect(env["LOG_FORMAT"] == "json")
            #expect(env["HTTP_HOST"] == "0.0.0.0")
            #expect(env["HTTP_PORT"] == "\(name.defaultHTTPPort)")
            // Published on loopback only: a reverse proxy is the operator's front.
            #expect(service["ports"] as? [String] == ["127.0.0.1:\(name.defaultHTTPPort):\(name.defaultHTTPPort)"])
            let busPort = try BusEndpointCheck.port(name.defaultBusEndpoint)
            #expect(env["BUS_PUBLISH"] == "tcp://0.0.0.0:\(busPort)")
            endpoints[name.rawValue] = "tcp://\(name.rawValue):\(busPort)"
            let mounts = service["volumes"] as? [String] ?? []
            #expect(mounts == ["\(name.rawValue)-data:/data", "./secrets/\(name.rawValue).key:/run/secrets/bus.key:ro"])
            // CurveZMQ is on: the settings `bus-keys` writes, required (compose refuses a missing file).
            #expect(service["env_file"] as? [String] == ["./secrets/\(name.rawValue).env"])
            #expect(volumes.keys.contains("\(name.rawValue)-data"))
            #expect(env["DATABASE_PATH"]?.hasPrefix("/data/") == true)
            let health = (service["healthcheck"] as? [String: Any])?["test"] as? [String] ?? []
            #expect(health.last == "http://127.0.0.1:\(name.defaultHTTPPort)/ready")
            // The values themselves pass the service's own configuration checks.
            var values = env
            // `${NAME:-default}` is what compose reads when the shell sets nothing.
            for (key, value) in values where value.hasPrefix("${") && value.hasSuffix("}") && value.contains(":-") {
                values[key] = String(value.dropLast().split(separator: ":-", maxSplits: 1).last ?? "")
            }
            values["AUTH_JWT_SECRET"] = "a-test-secret-of-at-least-thirty-two-chars"
            values["PAYER_EMAIL_ADDRESSES"] = "payer@example.invalid"
            values["PUBLIC_BASE_URL"] = "https://claims.example"
            // What an operator sets for web (compose.yaml requires them).
            for (key, value) in [
                ("OIDC_ISSUER", "https://sign-in.example"), ("OIDC_CLIENT_ID", "mentor-claims"), ("OIDC_CLIENT_SECRET", "a-client-secret"),
            ]
            where values[key] != nil {
                values[key] = value
            }
            #expect(!values.values.contains { $0.contains("${") }, "\(name.rawValue): an interpolated value is not replaced")
            // Read by the executable itself, in an environment holding nothing else.
            let check = try ProcessLauncher.run(
                "/usr/bin/env",
                arguments: ["-i"] + values.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + [
                    BuiltProducts.path(name.rawValue), "configuration", "check",
                ]
            )
            #expect(check.status == 0, "\(name.rawValue): \(check.output)")
        }
        for name in ServiceName.allCases {
            let env = (services[name.rawValue]?["environment"] as? [String: Any] ?? [:]).mapValues { "\($0)" }
            let peers = Set((env["BUS_PEERS"] ?? "").split(separator: ",").map(String.init))
            let expected = Set(name.defaultPeers.map { "\($0.rawValue)=\(endpoints[$0.rawValue]!)" })
            #expect(peers == (expected.isEmpty ? ["none"] : expected), "\(name.rawValue) BUS_PEERS")
        }
        // A real SMTP server that the notifications service points at.
        let smtpHost = (services["notifications"]?["environment"] as? [String: Any])?["SMTP_HOST"] as? String ?? ""
        #expect(services[smtpHost] != nil, "the SMTP host \(smtpHost) is not a compose service")
    }

    @Test func theDockerfileBuildsTheFourExecutablesIntoASlimNonRootImage() throws {
        let text = try String(contentsOf: root.appendingPathComponent("Dockerfile"), encoding: .utf8)
        #expect(text.contains("--product \"$s\""))
        for name in ServiceName.allCases {
            #expect(text.contains("for s in claims-intake payments audit-sampling notifications web") && text.contains(name.rawValue))
        }
        #expect(
            text.contains("MentorClaims_*.resources"),
            "the services' resource bundles (web's templates, every OpenAPI document) are not in the image"
        )
        for package in ["libzmq5", "libsqlite3-0", "tzdata", "curl"] { #expect(text.contains(package)) }
        // The base images are build arguments whose defaults are the public images.
        #expect(text.contains("ARG BUILD_IMAGE=swift:6.3-bookworm") && text.contains("ARG RUNTIME_IMAGE=debian:bookworm-slim"))
        #expect(text.contains("FROM ${RUNTIME_IMAGE}\n"))
        #expect(text.contains("USER mentorclaims"))
    }

    @Test func theREADMEDocumentsEveryConfigurationVariableAndBothCommands() throws {
        let text = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
        for variable in Set(try ServiceName.allCases.flatMap { try Self.variables(of: $0) }) {
            #expect(text.contains("`\(variable)`"), "README lacks \(variable)")
        }
        #expect(text.contains("make run"))
        #expect(text.contains("make test"))
    }
}

enum BusEndpointCheck {
    static func port(_ endpoint: String) throws -> Int {
        try #require(Int(endpoint.split(separator: ":").last ?? ""))
    }
}

/// Each service's `/openapi.yaml` documents exactly the routes its code serves.
@Suite struct OpenAPIDocumentTests {
    @Test(arguments: ServiceName.allCases.map(\.rawValue))
    func theOpenAPIDocumentListsEveryRouteOfTheService(service: String) async throws {
        let routes = try ProcessLauncher.run(BuiltProducts.path(service), arguments: ["routes"])
        #expect(routes.status == 0, "\(routes.output)")
        let folder = try TemporaryFolder("openapi")
        defer {
            ProcessLauncher.killAll(in: folder.url)
            folder.remove()
        }
        let port = FreePorts.one()
        let process = try ProcessLauncher.start(
            BuiltProducts.path(service),
            environment: [
                "HTTP_PORT": "\(port)", "DATABASE_PATH": folder.path("db.sqlite"),
                "BUS_PUBLISH": "tcp://127.0.0.1:\(FreePorts.pair())", "BUS_PEERS": "none",
            ],
            directory: folder.url
        )
        let http = TestHTTP(base: "http://127.0.0.1:\(port)")
        try await Eventually.wait("\(service) to answer", timeout: 30) { try await http.get("/health").status == 200 }
        let yaml = try await http.get("/openapi.yaml").text
        await process.stop()
        try yaml.write(toFile: folder.path("openapi.yaml"), atomically: true, encoding: .utf8)
        let parsed = try ProcessLauncher.run(
            "/usr/bin/env",
            arguments: [
                "python3", "-c", "import json,sys,yaml; d=yaml.safe_load(open(sys.argv[1])); print(json.dumps(d))", folder.path("openapi.yaml"),
            ]
        )
        let document = try JSONSerialization.jsonObject(with: Data(parsed.output.utf8)) as? [String: Any] ?? [:]
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = document["paths"] as? [String: [String: Any]] ?? [:]
        var documented = Set<String>()
        for (path, operations) in paths {
            let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options"]
            for method in operations.keys where methods.contains(method) { documented.insert("\(method.uppercased()) \(path)") }
        }
        let served = Set(routes.output.split(separator: "\n").map(String.init))
        #expect(!served.isEmpty)
        #expect(served.subtracting(documented).isEmpty, "served but not documented: \(served.subtracting(documented).sorted())")
        #expect(documented.subtracting(served).isEmpty, "documented but not served: \(documented.subtracting(served).sorted())")
    }
}
