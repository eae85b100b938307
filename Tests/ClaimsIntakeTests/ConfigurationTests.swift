import ServiceSupport
import Testing

@testable import ClaimsIntake

/// Claims intake's own settings: the support address its next steps name.
@Suite struct IntakeConfigurationTests {
    @Test func theSupportAddressIsOneAddress() throws {
        #expect(try Configuration.load(from: EnvironmentReader([:])).supportEmailAddress == "support@example.invalid")
        let given = try Configuration.load(from: EnvironmentReader(["SUPPORT_EMAIL_ADDRESS": "help@education.gov.uk"]))
        #expect(given.supportEmailAddress == "help@education.gov.uk")
        for bad in ["a@example.gov.uk,b@example.gov.uk", "nobody", ""] {
            #expect(throws: ConfigurationError.self) { try Configuration.load(from: EnvironmentReader(["SUPPORT_EMAIL_ADDRESS": bad])) }
        }
    }
}
