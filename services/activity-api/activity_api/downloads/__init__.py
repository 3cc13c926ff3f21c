"""Downloads: XLSX workbooks and CSV for French spreadsheet software."""
