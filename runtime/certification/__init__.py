"""Method section 8.5 for tool vendors: the cas-type (cases read as data beside the spec,
`casedata`; cases generated from the IR for what they miss, `generator`; reference results and
files, `castype`; coverage), `certify` (a vendor's results against the reference at the
method's tolerance) and the mutation score."""
