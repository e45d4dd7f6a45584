"""Files on disk: workbooks whose bytes depend on their content only, exact floats in xlsx cells."""
