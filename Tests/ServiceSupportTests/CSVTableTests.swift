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

    @Test func rowsAreNumberedByRecordSoACellWithALineBreakIsOneRow() throws {
        let text = "claim_reference,reason\n12345678,\"two\nlines\"\n87654321,ok\n"
        let table = try CSVTable(Data(text.utf8), required: ["claim_reference", "reason"])
        #expect(table.rows.map(\.number) == [2, 3])
        #expect(table.rows[0]["reason"] == "two\nlines")
    }

    @Test func rowsColumnsAndCellsAreBoundedAndTheErrorSaysWhich() {
        let limits = CSVLimits(rows: 3, columns: 4, cellCharacters: 5)
        #expect(throws: CSVFileError.tooManyRows(limit: 3)) {
            try CSVTable(Data("a\n1\n2\n3\n4\n".utf8), required: ["a"], limits: limits)
        }
        #expect(throws: CSVFileError.tooManyColumns(row: 2, limit: 4)) {
            try CSVTable(Data("a\n1,2,3,4,5\n".utf8), required: ["a"], limits: limits)
        }
        #expect(throws: CSVFileError.cellTooLong(row: 3, limit: 5)) {
            try CSVTable(Data("a\n12345\n\"123456\"\n".utf8), required: ["a"], limits: limits)
        }
        // Five characters of two bytes each are still five characters.
        #expect(throws: Never.self) { try CSVTable(Data("a\néééé\n".utf8), required: ["a"], limits: limits) }
        #expect(CSVFileError.tooManyRows(limit: 200_000).problem.status == .contentTooLarge)
        #expect(CSVFileError.tooManyRows(limit: 200_000).description.contains("200,000"))
        #expect(CSVFileError.tooManyColumns(row: 1, limit: 250).problem.status == .unprocessableContent)
    }

    @Test func hostileFilesAreRefusedWithoutReadingThemWhole() throws {
        let newlines = Data(repeating: UInt8(ascii: "\n"), count: 20 << 20)
        #expect(throws: CSVFileError.empty) { try CSVTable(newlines, required: ["a"]) }
        let giant = Data("a\n\"".utf8) + Data(repeating: UInt8(ascii: "x"), count: 20 << 20)
        #expect(throws: CSVFileError.cellTooLong(row: 2, limit: 10_000)) { try CSVTable(giant, required: ["a"]) }
        let wide = Data(String(repeating: "a,", count: 100_000).utf8)
        #expect(throws: CSVFileError.tooManyColumns(row: 1, limit: 250)) { try CSVTable(wide, required: ["a"]) }
    }
}
