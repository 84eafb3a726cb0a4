/// What a `ReadPlanState` learnt from a failed block read, and what to do about it.
package enum ReadPlanDecision: Sendable, Equatable {
    /// Read these blocks instead of the failed one (now, or from the next cycle on: they are in the plan).
    case split(into: [ReadBlock])
    /// The meter refuses this span: it is left out of the plan until the re-probe; publish nothing for it.
    case refused(RegisterSpan)
    /// Blocks larger than `maxRegisters` are refused: the plan uses the smaller size from now on; `blocks`
    /// replace the failed one.
    case shrunk(maxRegisters: Int, blocks: [ReadBlock])
    /// A real failure (a single span timed out, or the meter answers nothing at all): nothing learnt; counts
    /// towards the meter going offline.
    case failed
}
