"""Method section 8.5 for tool vendors: the cas-type (cases, reference results, coverage),
`certify` (a vendor's results against the reference at the method's tolerance) and the mutation score."""
