/// The data message of a readout: `STX Data block ! CR LF ETX BCC`, decoded.
///
/// IEC 62056-21 clause 6.3.4 (mode C data readout). The decoder only returns one whose BCC matched; the data
/// sets are in the order the meter sent them.
package struct DataMessage: Sendable, Equatable, Hashable {
    package var dataSets: [DataSet]

    package init(dataSets: [DataSet]) {
        self.dataSets = dataSets
    }
}

/// A complete readout: the meter's identification and its data sets.
///
/// What `IEC62056Client.readout` returns and what a simulator encodes with `IEC62056Encoder.encode(_:)`.
package struct Readout: Sendable, Equatable, Hashable {
    package var identification: IdentificationMessage
    package var dataSets: [DataSet]

    package init(identification: IdentificationMessage, dataSets: [DataSet]) {
        self.identification = identification
        self.dataSets = dataSets
    }
}
