from tests.distill.fixtures import (  # noqa: F401  (fixtures used by the tests here)
    run_loop,
    teacher,
    teacher_config,
    teacher_server,
    tiny_student,
    toy_data,
    toy_ner,
)
