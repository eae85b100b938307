import Foundation

/// A configuration value that stops the service, naming the variable and what to write instead.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    /// The environment variable at fault.
    public var variable: String
    /// What is wrong and what is expected.
    public var message: String

    /// Creates an error.
    public init(variable: String, message: String) {
        self.variable = variable
        self.message = message
    }

    public var description: String { "\(variable): \(message)" }
}

/// Reads typed values from the environment once, at start.
public struct EnvironmentReader: Sendable {
    private let values: [String: String]

    /// Reads from `values` (the process environment by default).
    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// Stops at the first of `names` that is set to a blank value: blank is a mistake (an empty
    /// line in a secrets file, a missing substitution), never a way of saying "unset".
    public func checkNoneBlank(_ names: [String]) throws {
        for name in names {
            if let value = values[name], value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw ConfigurationError(variable: name, message: "is set to a blank value: give it a value, or unset it")
            }
        }
    }

    /// The raw value, nil when unset (``checkNoneBlank(_:)`` refuses blank values first).
    public func raw(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    /// An `http` or `https` address, or nil when unset; `example` shows the right shape.
    public func httpAddress(_ name: String, example: String) throws -> String? {
        guard let text = raw(name) else { return nil }
        guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
            throw ConfigurationError(variable: name, message: "'\(text)' is not an http or https address, like \(example)")
        }
        return text
    }

    /// A string, or `fallback` when unset.
    public func string(_ name: String, default fallback: String) -> String {
        raw(name) ?? fallback
    }

    /// A whole number within `range`, or `fallback` when unset.
    public func int(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        guard let text = raw(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(
                variable: name,
                message: "'\(text)' is not a whole number from \(range.lowerBound) to \(range.upperBound)"
            )
        }
        return value
    }

    /// `true`/`false` (also `1`/`0`, `yes`/`no`), or `fallback` when unset.
    public func bool(_ name: String, default fallback: Bool) throws -> Bool {
        guard let text = raw(name)?.lowercased() else { return fallback }
        switch text {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigurationError(variable: name, message: "'\(text)' is not true or false")
        }
    }

    /// One of `allowed`, or `fallback` when unset.
    public func choice(_ name: String, default fallback: String, allowed: [String]) throws -> String {
        guard let text = raw(name) else { return fallback }
        guard allowed.contains(text.lowercased()) else {
            throw ConfigurationError(variable: name, message: "'\(text)' is not one of \(allowed.joined(separator: ", "))")
        }
        return text.lowercased()
    }

    /// A list separated by `separator`, blanks dropped, or `fallback` when unset.
    /// One of `T`'s raw values; anything else names the values allowed.
    public func choice<T: RawRepresentable & CaseIterable>(_ name: String, default fallback: T) throws -> T where T.RawValue == String {
        let text = try choice(name, default: fallback.rawValue, allowed: T.allCases.map(\.rawValue))
        return T(rawValue: text) ?? fallback
    }

    /// Exactly one email address.
    public func email(_ name: String, default fallback: String) throws -> String {
        let addresses = try emails(name, default: [fallback])
        guard addresses.count == 1 else { throw ConfigurationError(variable: name, message: "give one address, not \(addresses.count)") }
        return addresses[0]
    }

    public func list(_ name: String, separator: Character = ",", default fallback: [String]) -> [String] {
        guard let text = raw(name) else { return fallback }
        return text.split(separator: separator).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A list of email addresses, each checked for a plausible shape.
    public func emails(_ name: String, default fallback: [String]) throws -> [String] {
        let addresses = list(name, default: fallback)
        for address in addresses where !EmailAddressShape.isPlausible(address) {
            throw ConfigurationError(variable: name, message: "'\(address)' is not an email address")
        }
        return addresses
    }
}

/// A light check that a string looks like an email address (one `@`, text on both sides, a dot
/// in the domain, no spaces or angle brackets). Delivery is the real check.
public enum EmailAddressShape {
    /// Whether `address` is shaped like an email address.
    public static func isPlausible(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !parts[1].hasPrefix("."),
            !parts[1].hasSuffix("."), address.count <= 254
        else { return false }
        return !address.contains(where: { $0.isWhitespace || $0 == "<" || $0 == ">" || $0 == "," || $0 == ";" })
    }
}
