import Foundation
import Logging
import Metrics
import MessagingZMQ
import Prometheus
import ServiceSupport

/// `notifications`: serves the API and joins the bus; `notifications token …` prints a development token.
@main
struct App {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "token" {
            await TokenCommand.main(Array(arguments.dropFirst()))
            return
        }
        if arguments.first == "routes" {
            await printRoutes()
            return
        }
        let configuration: Configuration
        do {
            configuration = try Configuration.load()
        } catch {
            FileHandle.standardError.write(Data("notifications cannot start: \(error)\n".utf8))
            exit(78)
        }
        LogSetup.bootstrap(service: "notifications", format: configuration.common.logFormat, level: configuration.common.logLevel)
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: "notifications")
        do {
            let transport = try ZMQBusTransport(
                maxMessageBytes: configuration.common.busMaxMessageBytes, curve: configuration.common.busCurve)
            let dependencies = ServiceDependencies(now: { Date() }, transport: transport, metrics: registry, logger: logger)
            let service = try await Notifications.build(configuration: configuration, dependencies: dependencies)
            try await service.group.run()
            transport.shutdown()
            logger.notice("stopped")
        } catch {
            logger.critical("notifications stopped: \(error)")
            exit(1)
        }
    }

    /// `notifications routes`: every HTTP route, for checking the OpenAPI document against the code.
    static func printRoutes() async {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("routes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            var environment = ProcessInfo.processInfo.environment
            environment["DATABASE_PATH"] = folder.appendingPathComponent("routes.sqlite").path
            let configuration = try Configuration.load(from: EnvironmentReader(environment))
            let transport = try ZMQBusTransport(maxMessageBytes: configuration.common.busMaxMessageBytes)
            var logger = Logger(label: "notifications")
            logger.logLevel = .critical
            let dependencies = ServiceDependencies(
                now: { Date() }, transport: transport, metrics: PrometheusCollectorRegistry(), logger: logger)
            let service = try await Notifications.build(configuration: configuration, dependencies: dependencies)
            print(service.routeLines.joined(separator: "\n"))
            transport.shutdown()
        } catch {
            FileHandle.standardError.write(Data("cannot list routes: \(error)\n".utf8))
            exit(1)
        }
    }
}
