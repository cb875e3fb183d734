"""Reports a person reads: the HTML audit report and the evidence highlighter."""
