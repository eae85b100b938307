import Foundation
import ServiceSupport
import Testing

@Suite struct CSVTableTests {
    @Test func columnsAreFoundByNameInAnyOrderAndBlankLinesAreSkipped() throws {
        let text = "\u{FEFF}Sample_Reason,claim_reference,extra\r\n\r\nRandom,12345678,x\n\"Said \"\"no\"\", twice\",87654321\r"
        let table = try CSVTable(Data(text.utf8), required: ["claim_reference", "sample_reason"])
        #expect(table.rows.count == 2)
        #expect(table.rows[0]["claim_reference"] == "12345678")
        #expect(table.rows[0].number == 3)
        #expect(table.rows[1]["sample_reason"] == "Said \"no\", twice")
    }

    @Test func windows1252IsAcceptedWhereTheBytesAreNotUTF8() throws {
        var data = Data("name,urn\n".utf8)
        data.append(contentsOf: [0x53, 0x74, 0x20, 0x4D, 0x61, 0x72, 0x79, 0x92, 0x73, 0x2C, 0x31, 0x0A])  // St Mary’s,1
        let table = try CSVTable(data, required: ["name"])
        #expect(table.rows[0]["name"] == "St Mary\u{2019}s")
    }

    @Test func aMissingColumnIsNamedWithTheColumnsFound() {
        #expect(throws: CSVFileError.missingColumns(["claim_reference"], found: ["reference", "reason"])) {
            try CSVTable(Data("reference,reason\n1,2\n".utf8), required: ["claim_reference"])
        }
        #expect(throws: CSVFileError.empty) { try CSVTable(Data("\n\n".utf8), required: []) }
        #expect(throws: CSVFileError.unterminatedQuote(row: 2)) { try CSVTable(Data("a\n\"open\n".utf8), required: ["a"]) }
    }
}
