import Foundation
import Logging
import MessagingZMQ
import Prometheus

/// What every executable's `main` does after `App.swift` has chosen the service: the `token`,
/// `routes`, `configuration` and `bus-keys` subcommands, or reading the configuration, bootstrapping (through
/// the caller, which alone makes the process-wide calls) and running until SIGTERM/SIGINT.
public enum ServiceMain {
    /// Runs the executable named `name`.
    ///
    /// - Parameters:
    ///   - variables: every variable the service reads (`<service> configuration variables`).
    ///   - load: reads the service's configuration from an environment.
    ///   - common: the shared part of that configuration.
    ///   - bootstrap: installs logging and metrics for the process; returns the metrics registry.
    ///   - build: the service's composition root.
    public static func run<Configuration: Sendable>(
        name: String,
        variables: [String],
        load: @Sendable (EnvironmentReader) throws -> Configuration,
        common: @Sendable (Configuration) -> ServiceConfiguration,
        bootstrap: @Sendable (ServiceConfiguration) -> PrometheusCollectorRegistry,
        build: @Sendable (Configuration, ServiceDependencies) async throws -> BuiltService
    ) async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "token" {
            await TokenCommand.main(Array(arguments.dropFirst()))
            return
        }
        if arguments.first == "bus-keys" { BusKeysCommand.main(Array(arguments.dropFirst())) }
        if arguments.first == "configuration" {
            checkConfiguration(name: name, command: Array(arguments.dropFirst()), variables: variables, load: load)
        }
        if arguments.first == "routes" {
            await printRoutes(name: name, load: load, common: common, build: build)
            return
        }
        let configuration: Configuration
        do {
            configuration = try load(EnvironmentReader())
        } catch {
            FileHandle.standardError.write(Data("\(name) cannot start: \(error)\n".utf8))
            exit(78)
        }
        let registry = bootstrap(common(configuration))
        let logger = Logger(label: name)
        do {
            let transport = try ZMQBusTransport(
                maxMessageBytes: common(configuration).busMaxMessageBytes,
                curve: common(configuration).busCurve
            )
            let dependencies = ServiceDependencies(now: { Date() }, transport: transport, metrics: registry, logger: logger)
            let service = try await build(configuration, dependencies)
            try await service.group.run()
            if !transport.shutdown() {
                logger.warning(
                    "the bus had not finished closing after 3 s (a peer's address still being looked up); stopping anyway, since every message is kept in the outbox"
                )
            }
            logger.notice("stopped")
        } catch {
            logger.critical("\(name) stopped: \(error)")
            exit(1)
        }
    }

    /// `<service> routes`: every HTTP route, for checking the OpenAPI document against the code.
    static func printRoutes<Configuration: Sendable>(
        name: String,
        load: @Sendable (EnvironmentReader) throws -> Configuration,
        common: @Sendable (Configuration) -> ServiceConfiguration,
        build: @Sendable (Configuration, ServiceDependencies) async throws -> BuiltService
    ) async {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("routes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            var environment = ProcessInfo.processInfo.environment
            environment["DATABASE_PATH"] = folder.appendingPathComponent("routes.sqlite").path
            let configuration = try load(EnvironmentReader(environment))
            let transport = try ZMQBusTransport(maxMessageBytes: common(configuration).busMaxMessageBytes)
            var logger = Logger(label: name)
            logger.logLevel = .critical
            let dependencies = ServiceDependencies(
                now: { Date() },
                transport: transport,
                metrics: PrometheusCollectorRegistry(),
                logger: logger
            )
            let service = try await build(configuration, dependencies)
            print(service.routeLines.joined(separator: "\n"))
            transport.shutdown()
        } catch {
            FileHandle.standardError.write(Data("cannot list routes: \(error)\n".utf8))
            exit(1)
        }
    }

    /// `<service> configuration variables` lists the variables the service reads, one a line;
    /// `<service> configuration check` reads them from the environment as the service would at
    /// start, and says which one is wrong (exit 78) or that they are right (exit 0).
    static func checkConfiguration<Configuration>(
        name: String,
        command: [String],
        variables: [String],
        load: (EnvironmentReader) throws -> Configuration
    ) -> Never {
        switch command.first {
        case "variables":
            print(variables.joined(separator: "\n"))
            exit(0)
        case "check":
            do {
                _ = try load(EnvironmentReader())
                print("\(name): the configuration is right")
                exit(0)
            } catch {
                FileHandle.standardError.write(Data("\(name) cannot start: \(error)\n".utf8))
                exit(78)
            }
        default:
            FileHandle.standardError.write(Data("usage: \(name) configuration variables|check\n".utf8))
            exit(64)
        }
    }
}
