"""Task-data schema for the numeric_answer server.

Save this file as resources_servers/numeric_answer/task_data.py. It describes the
task-owned fields of a dataset row, so `gym env schema` can print them and
`gym dataset collate` can check rows before a run. It may import only the
standard library and Pydantic.
"""

from pydantic import BaseModel, ConfigDict, Field


class TaskData(BaseModel):
    model_config = ConfigDict(extra="allow")

    expected_answer: str = Field(
        description="The reference answer, a number such as 80, 0.75, 3/4 or 1,250.",
        json_schema_extra={"consumed_by": ["verify"]},
    )
