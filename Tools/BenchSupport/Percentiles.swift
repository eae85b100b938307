/// The `p` quantile (0...1) of `values`, nearest rank below: what the benchmarks report as p50 and p99.
public func percentile(_ values: [Double], _ p: Double) -> Double {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
}
