import ServiceSupport

/// The two kinds of run payments sends the payer, and everything that differs between them: which
/// claims go in, the file's columns, what the payer may answer and where the run's paths live.
enum RunKind: String, Codable, Sendable, CaseIterable {
    /// Claims for the payer to pay.
    case payment
    /// Approved clawbacks for the payer to recover.
    case clawback

    /// The status of the claims a new run takes.
    var eligibleStatus: ClaimStatus { self == .payment ? .submitted : .clawbackRequested }

    /// The status of a claim while its run is with the payer.
    var inProgressStatus: ClaimStatus { self == .payment ? .paymentInProgress : .clawbackInProgress }

    /// The columns of the file sent to the payer (`../spec/files.md`).
    var fileColumns: [String] {
        switch self {
        case .payment:
            return [
                "claim_reference", "school_urn", "school_name", "school_local_authority", "provider_name", "claim_amount",
                "school_type_of_establishment", "school_group", "claim_submission_date", "claim_status", "claim_unpaid_reason",
            ]
        case .clawback:
            return [
                "claim_reference", "school_urn", "school_name", "school_local_authority", "provider_name", "claim_amount",
                "clawback_amount", "school_type_of_establishment", "school_group", "claim_submission_date", "claim_status",
            ]
        }
    }

    /// The columns the payer's response must have.
    var responseColumns: [String] {
        self == .payment ? ["claim_reference", "claim_status", "claim_unpaid_reason"] : ["claim_reference", "claim_status"]
    }

    /// The column holding the payer's reason for a claim it did not settle.
    var reasonColumn: String { self == .payment ? "claim_unpaid_reason" : "clawback_unsuccessful_reason" }

    /// The path segment of the run's endpoints under `/api/v1/payments/`.
    var pathSegment: String { self == .payment ? "runs" : "clawback-runs" }

    /// The name the run's file is downloaded as.
    func fileName(run: Int64) -> String { "\(rawValue)-run-\(run).csv" }

    /// Why a new run could not be created: nothing to put in it.
    var nothingToSend: String { self == .payment ? "There are no submitted claims to pay." : "There are no approved clawbacks to send." }

    /// What the payer's download page says the file is for.
    func fileDescription(run: Int64) -> String {
        switch self {
        case .payment:
            return
                "The claims of payment run \(run), for the payer to pay and fill in the claim_status column (paid, unpaid with a claim_unpaid_reason, or payment_in_progress)."
        case .clawback:
            return
                "The clawbacks of clawback run \(run), for the payer to recover and fill in the claim_status column (clawback_complete or clawback_in_progress)."
        }
    }
}
