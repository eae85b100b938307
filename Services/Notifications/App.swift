import Foundation
import Logging
import Metrics
import Prometheus
import ServiceSupport

/// `notifications`: serves the API and joins the bus; `notifications token …` prints a development token,
/// `notifications routes` lists the routes it serves and `configuration check` checks its settings.
@main
struct App {
    static func main() async {
        await ServiceMain.run(
            name: "notifications",
            variables: Configuration.variableNames,
            load: { try Configuration.load(from: $0) },
            common: { $0.common },
            bootstrap: { configuration in
                // The only process-wide calls: logging and metrics, once, here.
                LogSetup.bootstrap(service: "notifications", format: configuration.logFormat, level: configuration.logLevel)
                let registry = PrometheusCollectorRegistry()
                MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
                return registry
            },
            build: { try await Notifications.build(configuration: $0, dependencies: $1) }
        )
    }
}
