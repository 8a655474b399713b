"Run a catalog builder's source on `datasets`: the same code, its public dataset_kit classes re-bound to `datasets`' ones."
import inspect, re, sys, types


def module_on_datasets(dk_module, name:str, *substitutions):
    "A copy of `dk_module` whose `from dataset_kit import (...)` block imports from `datasets` instead."
    src = re.sub(r"^from (dataset_kit|\.\.) import \(", "from datasets import (", inspect.getsource(dk_module), flags=re.M)
    src = re.sub(r"^from \.\. import ", "from dataset_kit import ", src, flags=re.M)   # helpers `datasets` lacks (bad-input policy)
    for pattern, repl in substitutions: src = re.sub(pattern, repl, src)
    mod = types.ModuleType(name); mod.__file__ = f"<{name}>"
    sys.modules[mod.__name__] = mod
    exec(compile(src, mod.__file__, "exec"), mod.__dict__)
    return mod
