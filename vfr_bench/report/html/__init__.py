"""The listening report: one offline `index.html` (results table, interactive Pareto, calibration and
latency charts, and a sample browser with audio and word-level diffs), written beside the figures by
`vfr-bench report` from the same `Results` they are drawn from."""
