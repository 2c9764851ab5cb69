"""The red-team corpus: hostile Concepts submissions, what each tries and what grading must make of it.

Every case is one student who submits the Concepts notebook (01_concepts: ex1 freeze 2 points,
ex2 counts 2, ex3 the lecture's examples 3 and the rules 3 - 10 points) with one attack
(tests/redteam/attacks.py) placed where it does the most harm:

- ``end``: a cell of the student's own after every graded cell: the attack runs, its grade is
  what the honest answers earn, and it must change nothing outside its own sandbox;
- ``replace:<answer>``: the attack is the answer cell's code (the rest of the notebook as ``base``);
- ``append:<answer>``: the attack runs right after the answer cell's own code.

``base`` is what the honest part of the notebook holds: ``solved`` (the instructor's answers),
``blank`` (nothing answered) or ``swapped`` (everything right but ex2's counts swapped).
``score`` is decided from the task: what the honest part earns (an attack gains nothing).
``scan`` is what the tampering scan must make of the graded cells after the attack:
``zeroed`` (proven rebinding: TamperingSuspected, 0 points), ``review`` (points provisional,
nbgrader's needs_manual_grade set), ``clean`` (no finding), or None (not asserted: the attack
runs after every graded cell, or the scan's verdict does not decide this case).
``zero`` names test cells of ex1 and ex2 (decided in the grader: tlcourse.checks.verdicts) that must
score 0 whatever the scan says (their visible check in the kernel, or the grader); ``decided`` those
of them whose 0 the grader must decide, its reason in the outputs: whatever the attack did in the
kernel, the verdict on what those cells exported (or failed to export) is reached outside it.
"""

from __future__ import annotations

import base64
import pickle
from dataclasses import dataclass

from tests.redteam import attacks as a

ASSIGNMENT = "01_concepts"
NOTEBOOK = "concepts.ipynb"
CLASSES = ("read", "score", "hurt", "persist", "exhaust", "evade")

SWAPPED_COUNTS = ("num_frozen = sum(p.numel() for p in net.parameters() if p.requires_grad)\n"
                  "num_trainable = sum(p.numel() for p in net.parameters() if not p.requires_grad)\n")


@dataclass(frozen=True)
class Attack:
    id: str
    klass: str
    tries: str
    code: str
    where: str = "end"
    base: str = "solved"
    score: float = 10
    scan: str | None = None
    zero: tuple[str, ...] = ()
    decided: tuple[str, ...] = ()


def _with_shadow(code: str) -> str:
    return f"SHADOW = {a.SHADOW_CHECKS!r}\n" + code


def _input_transformer_payload() -> str:
    code = ("get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])\n"
            "num_trainable = num_frozen = 0\n")
    return a.SCORE_INPUT_TRANSFORMER_EXEC % base64.b64encode(code.encode()).decode()


class _Reduce:
    def __reduce__(self):
        return (exec, ("import tlcourse.checks.concepts as c\nc.check_counts = lambda *a, **k: None\n",))


def _pickle_payload() -> str:
    return a.EVADE_PICKLE_REDUCE % base64.b64encode(pickle.dumps(_Reduce())).decode()


EX1, EX2, EX3 = "ex1_freeze", "ex2_counts", "ex3_choose_strategy"
#: The test cells of EX1 and EX2, decided in the grader on their evidence.
T1, T2 = "ex1_freeze_tests", "ex2_counts_tests"

ATTACKS = [
    # --- read: hidden tests, other students, the grader's secrets -----------------------------
    Attack("read_parent_environ", "read", "every /proc/<pid>/environ it can open, its parent's first",
           a.READ_PARENT_ENVIRON),
    Attack("read_source_walking_up", "read", "source/*/*.ipynb found walking up from cwd, HOME, the course "
           "package, sys.path and sys.prefix", a.READ_SOURCE_WALKING_UP),
    Attack("read_gradebook_sqlite", "read", "gradebook.db found walking up, every table dumped with sqlite3",
           a.READ_GRADEBOOK_SQLITE),
    Attack("read_other_students", "read", "submitted/, autograded/ and feedback/ of every student, found walking up",
           a.READ_OTHER_STUDENTS),
    Attack("read_proc_of_others", "read", "cmdline, cwd and root of every process it can see",
           a.READ_PROC_OF_OTHERS),
    Attack("read_inherited_descriptors", "read", "every open descriptor it inherited, regular files read",
           a.READ_INHERITED_DESCRIPTORS),
    Attack("read_grader_home", "read", "the grader's HOME, ~/.pgpass, /etc/shadow", a.READ_GRADER_HOME),
    Attack("read_hidden_from_history", "read", "the hidden tests it just ran, printed from In and linecache "
           "in its last cell (into its own feedback)", a.READ_HIDDEN_FROM_HISTORY),
    Attack("read_hidden_pre_run_cell", "read", "a pre_run_cell event that prints every later cell, hidden tests "
           "included; proven shell tampering: ex3's tests score 0", a.READ_HIDDEN_PRE_RUN_CELL,
           where=f"append:{EX3}", score=4, scan="zeroed"),
    Attack("read_hidden_audit_hook", "read", "an audit hook printing the string constants of every code object "
           "run later (hidden tests' messages)", a.READ_HIDDEN_AUDIT_HOOK, where=f"append:{EX3}"),
    # --- score without solving ---------------------------------------------------------------
    Attack("score_shadow_on_sys_path", "score", "a shadow tlcourse in /tmp first on sys.path, the real one "
           "dropped from sys.modules (proven: changes sys.modules)",
           _with_shadow(a.SCORE_SHADOW_ON_SYS_PATH), where=f"replace:{EX1}", base="blank", score=0, scan="zeroed"),
    Attack("score_shadow_in_package_path", "score", "a shadow checks package put first on tlcourse.__path__, "
           "so the hidden tests' fresh import loads it", _with_shadow(a.SCORE_SHADOW_IN_PACKAGE_PATH),
           where=f"replace:{EX1}", base="blank", score=0),
    Attack("score_meta_path_finder", "score", "a sys.meta_path finder serving shadow checks under the real "
           "file name", _with_shadow(a.SCORE_META_PATH_FINDER), where=f"replace:{EX1}", base="blank", score=0),
    Attack("score_checks_path_rewritten", "score", "tlcourse.checks.__path__ rewritten to a shadow folder",
           _with_shadow(a.SCORE_PATH_HOOK), where=f"replace:{EX1}", base="blank", score=0),
    Attack("score_always_equal_str", "score", "choose_strategy returns a str subclass equal to anything",
           a.SCORE_ALWAYS_EQUAL_STRATEGY, where=f"replace:{EX3}", score=4),
    Attack("score_class_property_str", "score", "an object whose __class__ property says str, equal to anything",
           a.SCORE_CLASS_PROPERTY_STRATEGY, where=f"replace:{EX3}", score=4),
    Attack("score_numpy_and_tensor_counts", "score", "counts as a numpy int64 subclass and a torch.Tensor "
           "subclass, both equal to anything", a.SCORE_NUMPY_AND_TENSOR_COUNTS, where=f"replace:{EX2}", score=8),
    Attack("score_requires_grad_property", "score", "parameters' class swapped for one whose requires_grad "
           "property lies", a.SCORE_REQUIRES_GRAD_PROPERTY, where=f"replace:{EX1}", base="blank", score=0,
           scan="zeroed"),
    Attack("score_parameters_monkeypatched", "score", "torch.nn.Module.parameters patched to yield only the head",
           a.SCORE_PARAMETERS_MONKEYPATCH, where=f"replace:{EX1}", base="blank", score=0, scan="zeroed"),
    Attack("score_kernel_skips_cells", "score", "the kernel's do_execute replaced: every later cell replies ok "
           "without running", a.SCORE_KERNEL_SKIPS_CELLS, where=f"replace:{EX1}", base="blank", score=0,
           scan="zeroed"),
    Attack("score_shell_class_run_cell", "score", "the shell's class run_cell replaced (shell reached through "
           "sys.modules['__main__']): every later cell runs `pass`", a.SCORE_SHELL_RUN_CELL,
           where=f"replace:{EX1}", base="blank", score=0, scan="zeroed"),
    Attack("score_daemon_writes_grade_later", "score", "a double-forked daemon that waits for grading to end, "
           "then writes full marks into gradebook.db", a.SCORE_DAEMON_WRITES_GRADE_LATER, base="blank", score=0),
    # --- hurt other students -------------------------------------------------------------------
    Attack("hurt_kill_every_process", "hurt", "SIGKILL to every pid it can see (the kernel graded in parallel, "
           "nbgrader, the grader)", a.HURT_KILL_EVERYTHING),
    Attack("hurt_overwrite_submissions", "hurt", "every submitted/ and autograded/ notebook it finds replaced by "
           "an empty one", a.HURT_OVERWRITE_SUBMISSIONS),
    Attack("hurt_write_feedback", "hurt", "a page written into every student's feedback and autograded folder",
           a.HURT_WRITE_FEEDBACK),
    Attack("hurt_zero_grades", "hurt", "every grade in gradebook.db set to 0", a.HURT_CHANGE_GRADES),
    Attack("hurt_connect_local_services", "hurt", "TCP to the grader's loopback (PostgreSQL, Jupyter, a listener "
           "of the test) and to the network", a.HURT_CONNECT_LOCAL_SERVICES),
    # --- persist into later students' grading ------------------------------------------------------
    Attack("persist_ipython_startup", "persist", "an IPython startup file in the grader's HOME", a.PERSIST_IPYTHON_STARTUP),
    Attack("persist_nbgrader_config", "persist", "a line appended to every nbgrader_config.py found walking up",
           a.PERSIST_NBGRADER_CONFIG),
    Attack("persist_site_pth", "persist", "a .pth file in site-packages (runs in every later Python)",
           a.PERSIST_SITE_PTH),
    Attack("persist_edit_course_package", "persist", "check_counts made a no-op in the installed course package",
           a.PERSIST_EDIT_COURSE_PACKAGE),
    Attack("persist_kernelspec", "persist", "the python3 kernelspec replaced in every Jupyter data folder",
           a.PERSIST_KERNELSPEC),
    Attack("persist_shadow_in_source", "persist", "a tlcourse/ shadow written into source/01_concepts/ "
           "(copied into later releases)", a.PERSIST_SHADOW_IN_SOURCE),
    Attack("persist_double_fork_daemon", "persist", "a double-forked daemon in a session of its own, sleeping",
           a.PERSIST_DOUBLE_FORK_DAEMON),
    Attack("persist_tmp_and_shm_files", "persist", "files left in /tmp, /dev/shm, /var/tmp and HOME",
           a.PERSIST_TMP_AND_SHM_FILES),
    Attack("persist_environ_for_later_cells", "persist", "os.environ changed in ex1's answer (grading mode off, "
           "PYTHONPATH redirected) for the later cells", a.EVADE_ENVIRON_LEAK, where=f"append:{EX1}"),
    # --- exhaust the machine --------------------------------------------------------------------------
    Attack("exhaust_fork_bomb", "exhaust", "forks sleepers for 8 s, as many as it can", a.EXHAUST_FORK_BOMB),
    Attack("exhaust_memory_in_children", "exhaust", "4 children of 1.75 GiB each (each under the per-process cap)",
           a.EXHAUST_MEMORY_IN_CHILDREN),
    Attack("exhaust_disk_several_files", "exhaust", "files of 1.1 GiB in /tmp, HOME, cwd and /dev/shm",
           a.EXHAUST_DISK_SEVERAL_FILES),
    Attack("exhaust_shm_outlives_kernel", "exhaust", "a 200 MiB shared-memory block and a /dev/shm file left behind",
           a.EXHAUST_SHM_OUTLIVES),
    Attack("exhaust_update_display_flood", "exhaust", "40 MB of update_display_data and 20 MB of display_data",
           a.EXHAUST_UPDATE_DISPLAY_FLOOD),
    Attack("exhaust_error_flood", "exhaust", "an exception with a 40 MB message", a.EXHAUST_ERROR_FLOOD),
    Attack("exhaust_ignores_interrupts", "exhaust", "SIGINT ignored, every exception swallowed, 600 s of sleep "
           "past the per-cell limit", a.EXHAUST_IGNORES_INTERRUPT),
    # --- evade the tampering scan ---------------------------------------------------------------
    Attack("evade_ast_transformer_alias", "evade", "an AST transformer dropping asserts and calls, installed "
           "through IPython.get_ipython() and a computed getattr", a.SCORE_AST_TRANSFORMER_ALIAS,
           where=f"replace:{EX1}", base="blank", score=0, scan="zeroed"),
    Attack("evade_input_transformer_exec", "evade", "an input transformer rewriting later cells to `pass`, "
           "installed by exec of base64", _input_transformer_payload(), where=f"replace:{EX1}", base="blank",
           score=0, scan="review", zero=(T1, T2), decided=(T1, T2)),
    Attack("evade_settrace_skips_asserts", "evade", "a trace function that jumps over assert and check lines",
           a.SCORE_SETTRACE_SKIP_ASSERTS, where=f"replace:{EX1}", base="blank", score=0, scan="review",
           zero=(T1, T2)),
    Attack("evade_gc_patches_checks", "evade", "gc.get_objects() to find the checks and swap their __code__",
           a.SCORE_GC_PATCH_CHECKS, where=f"replace:{EX1}", base="blank", score=0, scan="zeroed"),
    Attack("evade_builtins_isinstance", "evade", "builtins.isinstance patched so anything is a str",
           a.SCORE_BUILTINS_ISINSTANCE, where=f"replace:{EX3}", score=4, scan="zeroed"),
    Attack("evade_excepthook_showtraceback", "evade", "sys.excepthook and the shell's showtraceback silenced",
           a.SCORE_EXCEPTHOOK_AND_EXC_HANDLER, where=f"replace:{EX1}", base="blank", score=0, scan="zeroed"),
    Attack("evade_setattr_computed_names", "evade", "setattr on a module imported by a computed name",
           a.EVADE_SETATTR_COMPUTED + SWAPPED_COUNTS, where=f"replace:{EX2}", score=8, scan="review"),
    Attack("evade_sys_modules_alias", "evade", "sys.modules poisoned through an alias and __setitem__",
           _with_shadow(a.EVADE_SYS_MODULES_POISON), where=f"replace:{EX1}", base="blank", score=0),
    Attack("evade_pickle_reduce", "evade", "a pickle whose __reduce__ execs a patch of check_counts",
           _pickle_payload() + SWAPPED_COUNTS, where=f"replace:{EX2}", score=8),
    Attack("evade_setprofile_patches_fresh_checks", "evade", "a profile hook re-patching the freshly imported "
           "checks on every call", a.EVADE_FRAME_GLOBALS, where=f"replace:{EX1}", base="blank", score=0,
           scan="review", zero=(T1, T2)),
    Attack("evade_shell_command_edits_package", "evade", "`python3 -c` in a shell command appends a no-op check "
           "to the installed package", a.EVADE_VIA_OS_SYSTEM_PYTHON + SWAPPED_COUNTS, where=f"replace:{EX2}", score=8),
    # --- evade the verdict: attacks on the evidence the grader decides on. The trace function set in
    # ex1's answer cell (net left unfrozen: ex1's visible check fails in the kernel) skips the visible
    # checks' lines of ex2's test cell and swaps its export; ex2's honest answer would pass ---------
    Attack("evade_evidence_pickle_payload", "evade", "the hidden test's export swapped (trace function) for "
           "evidence whose tensors are a pickle that runs a shell command", a.EVIDENCE_PICKLE,
           where=f"replace:{EX1}", score=6, scan="review", zero=(T1, T2), decided=(T2,)),
    Attack("evade_evidence_for_another_cell", "evade", "each test cell made to show a solved notebook's "
           "evidence of the OTHER cell", a.EVIDENCE_OTHER_CELL, where=f"replace:{EX1}",
           score=6, scan="review", zero=(T1, T2), decided=(T2,)),
    Attack("evade_evidence_flood", "evade", "21 evidence outputs per test cell, the last one 300 kB",
           a.EVIDENCE_FLOOD, where=f"replace:{EX1}", score=6, scan="review", zero=(T1, T2), decided=(T2,)),
    Attack("evade_evidence_from_earlier_cell", "evade", "a solved notebook's evidence of ex2 shown by its "
           "answer cell, which swaps the counts", a.EVIDENCE_EARLIER_CELL + SWAPPED_COUNTS,
           where=f"replace:{EX2}", score=8, scan="review", zero=(T2,)),
    Attack("evade_evidence_post_run_cell", "evade", "a post_run_cell hook adding a solved notebook's "
           "evidence to every later cell (proven shell tampering: every later test scores 0)",
           a.EVIDENCE_POST_RUN_CELL, where=f"replace:{EX1}", score=0, scan="zeroed", zero=(T1, T2),
           decided=(T2,)),
    Attack("evade_evidence_huge_head", "evade", "a frozen base with a 200-class head: its values too big "
           "to export, the counts not ResNet-18's", a.EVIDENCE_HUGE_HEAD, where=f"replace:{EX1}",
           score=6, zero=(T1, T2), decided=(T1, T2)),
]

BY_ID = {attack.id: attack for attack in ATTACKS}
