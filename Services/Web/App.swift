import Foundation
import Logging
import Metrics
import Prometheus
import ServiceSupport

/// `web`: serves the pages and joins the bus; `web users add-support EMAIL --first-name F
/// --last-name L` adds a support user; `web routes` lists the routes it serves and `configuration check` checks its settings.
@main
struct App {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if arguments.first == "users" {
            guard arguments.dropFirst().first == "add-support" else {
                FileHandle.standardError.write(Data("usage: web users add-support EMAIL --first-name F --last-name L\n".utf8))
                exit(64)
            }
            exit(await Web.addSupportCommand(Array(arguments.dropFirst(2))))
        }
        await ServiceMain.run(
            name: "web",
            variables: Configuration.variableNames,
            load: { try Configuration.load(from: $0) },
            common: { $0.common },
            bootstrap: { configuration in
                // The only process-wide calls: logging and metrics, once, here.
                LogSetup.bootstrap(service: "web", format: configuration.logFormat, level: configuration.logLevel)
                let registry = PrometheusCollectorRegistry()
                MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
                return registry
            },
            build: { try await Web.build(configuration: $0, dependencies: $1) }
        )
    }
}
