import Foundation
import Logging
import Metrics
import Prometheus
import ServiceSupport

/// `payments`: serves the API and joins the bus; `payments token …` prints a development token,
/// `payments routes` lists the routes it serves and `configuration check` checks its settings.
@main
struct App {
    static func main() async {
        await ServiceMain.run(
            name: "payments",
            variables: Configuration.variableNames,
            load: { try Configuration.load(from: $0) },
            common: { $0.common },
            bootstrap: { configuration in
                // The only process-wide calls: logging and metrics, once, here.
                LogSetup.bootstrap(service: "payments", format: configuration.logFormat, level: configuration.logLevel)
                let registry = PrometheusCollectorRegistry()
                MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
                return registry
            },
            build: { try await Payments.build(configuration: $0, dependencies: $1) }
        )
    }
}
