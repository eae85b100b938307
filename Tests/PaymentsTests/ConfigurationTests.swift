import ServiceSupport
import Testing

@testable import Payments

/// Payments' own settings: where the payer's links go.
@Suite struct PaymentsConfigurationTests {
    @Test func thePayerAddressesHaveADefaultAndAreChecked() throws {
        #expect(try Configuration.load(from: EnvironmentReader([:])).payerEmailAddresses == ["payer@example.invalid"])
        let two = try Configuration.load(from: EnvironmentReader(["PAYER_EMAIL_ADDRESSES": "esfa@example.gov.uk, backup@example.gov.uk"]))
        #expect(two.payerEmailAddresses == ["esfa@example.gov.uk", "backup@example.gov.uk"])
        for bad in ["not-an-email", " "] {
            #expect(throws: ConfigurationError.self) { try Configuration.load(from: EnvironmentReader(["PAYER_EMAIL_ADDRESSES": bad])) }
        }
        #expect(Configuration.variableNames.contains("PAYER_EMAIL_ADDRESSES") && !Configuration.variableNames.contains("MAIL_TRANSPORT"))
    }
}
