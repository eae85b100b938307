import Foundation
import Logging
import Metrics
import Prometheus
import ServiceSupport

/// `audit-sampling`: serves the API and joins the bus; `audit-sampling token …` prints a development token,
/// `audit-sampling routes` lists the routes it serves and `configuration check` checks its settings.
@main
struct App {
    static func main() async {
        await ServiceMain.run(
            name: "audit-sampling",
            variables: Configuration.variableNames,
            load: { try Configuration.load(from: $0) },
            common: { $0.common },
            bootstrap: { configuration in
                // The only process-wide calls: logging and metrics, once, here.
                LogSetup.bootstrap(service: "audit-sampling", format: configuration.logFormat, level: configuration.logLevel)
                let registry = PrometheusCollectorRegistry()
                MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
                return registry
            },
            build: { try await AuditSampling.build(configuration: $0, dependencies: $1) }
        )
    }
}
