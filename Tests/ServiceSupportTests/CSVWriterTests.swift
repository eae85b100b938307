import Foundation
import ServiceSupport
import Testing

@Suite struct CSVWriterTests {
    @Test func aFormulaIsNeutralisedAndQuoted() {
        #expect(CSVWriter.cell("=HYPERLINK(\"x\")") == "\"'=HYPERLINK(\"\"x\"\")\"")
        for start in ["+1", "-1", "@SUM(A1)", "\tx", "\rx", "\nx"] {
            #expect(CSVWriter.cell(start).hasPrefix("\"'"), "\(start)")
        }
        #expect(CSVWriter.cell("Hillside Primary") == "Hillside Primary")
        #expect(CSVWriter.cell("Smith, Jones & Co") == "\"Smith, Jones & Co\"")
        #expect(CSVWriter.cell("A \"quoted\" name") == "\"A \"\"quoted\"\" name\"")
    }

    @Test func rowsEndWithCRLFAndPoundsHaveTwoDecimals() {
        var csv = CSVWriter(header: ["a", "b"])
        csv.append(["1", CSVWriter.pounds(85_760)])
        csv.append(["2", CSVWriter.pounds(5)])
        #expect(csv.string == "a,b\r\n1,857.60\r\n2,0.05\r\n")
    }
}
