"""Fill in a review sheet as the manual-curation page's reviewer does: keep every row,
except the verdicts and notes below (by the rollout's line number)."""

import csv
import sys

REVIEW = {7: ("keep", "correct zero: 17 * 23 is 391"), 19: ("drop", "no response, no reward")}

sheet = sys.argv[1]
with open(sheet, encoding="utf-8", newline="") as handle:
    rows = list(csv.DictReader(handle))
for row in rows:
    row["verdict"], row["notes"] = REVIEW.get(int(row["line"]), ("keep", ""))
with open(sheet, "w", encoding="utf-8", newline="") as handle:
    writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
