package import Foundation
package import IEC62056
package import PRO380

/// Turns the data sets of one IEC 62056-21 readout into readings with the vocabulary's keys and units (pure).
///
/// Mapping (`docs/vocabulary.md`, OBIS column): a data set whose OBIS short key (`1.8.0` for both `1.8.0` and
/// `1-0:1.8.0*255`) names a register table row publishes under that row's key, its value converted to the row's
/// unit by `NormalizedValue` (kW → W, Wh → kWh, exact decimals). Its value takes the form the other protocols
/// publish for the key: text for identity registers that Modbus reads as hex digits (`serial_number`), an integer
/// for integer registers (`error_code`), a decimal for measured values; a value outside the row's
/// `Quantity.plausibleRange` is refused. A data set with no row, a unit that does not fit its row, or a key
/// already taken by an earlier line of the readout publishes under `obis_<code>` (`96.1.3` → `obis_96_1_3`): a
/// value that reads as a number as a JSON number, anything else as a string, so nothing the meter sends is lost.
/// Only the first value of a data set is published (further values are timestamps or list entries).
package struct OBISReadingMapper: Sendable {
    /// What one readout maps to.
    package struct Result: Sendable, Equatable {
        /// The readings to publish, in the order of the data sets.
        package var readings: [Reading]
        /// Data sets refused as implausible (counted as rejected values).
        package var rejected: [ReadFailure]
    }

    package let table: RegisterTable

    package init(table: RegisterTable = .pro380) {
        self.table = table
    }

    /// Maps `dataSets`, read at `time`.
    package func map(_ dataSets: [DataSet], time: Date) -> Result {
        var result = Result(readings: [], rejected: [])
        var taken = Set<String>()
        for dataSet in dataSets {
            guard let normalized = dataSet.normalizedValue else { continue }
            let obis = dataSet.obisCode
            if let obis, let definition = table.definition(obis: obis.shortKey), !taken.contains(definition.key),
                let value = Self.value(normalized, raw: dataSet.values[0].value, for: definition)
            {
                if let range = definition.quantity.plausibleRange, let d = value.doubleValue, !range.contains(d) {
                    result.rejected.append(
                        ReadFailure(
                            keys: [definition.key],
                            reason: "\(dataSet.address) value \(value) \(definition.unit ?? "") is implausible; refused"
                        )
                    )
                    continue
                }
                taken.insert(definition.key)
                result.readings.append(Reading(key: definition.key, value: value, unit: definition.unit, time: time))
                continue
            }
            let key = obis?.fallbackKey ?? OBISCode.fallbackKey(forAddress: dataSet.address)
            guard !taken.contains(key) else { continue }
            taken.insert(key)
            result.readings.append(
                Reading(
                    key: key,
                    value: Self.fallbackValue(normalized, raw: dataSet.values[0].value),
                    unit: normalized.unit,
                    time: time
                )
            )
        }
        return result
    }

    /// The value in the form the other protocols publish for `definition`, or `nil` when the data set's unit does
    /// not fit the row (then the line goes under its `obis_` key).
    static func value(_ normalized: NormalizedValue, raw: String, for definition: RegisterDefinition) -> MeterValue? {
        if let unit = normalized.unit, unit != definition.unit { return nil }
        let textual: Bool
        switch definition.modbus?.dataType {
        case .hexString?, .ascii?, .parity?: textual = true
        default: textual = definition.quantity == .identity && definition.modbus == nil
        }
        if textual { return .text(raw.trimmingCharacters(in: .whitespaces)) }
        switch normalized.value {
        case .text:
            return nil
        case .number(let number):
            switch definition.modbus?.dataType {
            case .signed?, .bcd?, .tariff?:
                guard let whole = MeterValue.decimal(number).wholeNumber else { return nil }
                return .integer(whole)
            default:
                return .decimal(number)
            }
        }
    }

    /// A line with no row: numbers as exact decimals, everything else as text.
    ///
    /// A unitless whole number written with a leading zero (`0.9.1(090501)`, a time; `0.9.2(051129)`, a date;
    /// `(0042)`, a code) stays text: its digits carry meaning a number would lose (09:05:01 would become 90501).
    /// With a unit or a decimal point, leading zeros are padding (`001234.567*kWh`).
    static func fallbackValue(_ normalized: NormalizedValue, raw: String) -> MeterValue {
        let trimmed = raw.trimmingCharacters(in: .whitespaces)
        if normalized.unit == nil, trimmed.count > 1, trimmed.first == "0", trimmed.allSatisfy(\.isNumber) {
            return .text(trimmed)
        }
        switch normalized.value {
        case .number(let number): return .decimal(number)
        case .text(let text): return .text(text)
        }
    }
}
