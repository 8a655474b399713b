"""Import `datasets` as dataset_kit: names only, no behaviour added. `datasets.x.y` is `dataset_kit.x.y` or
`dataset_kit.y`; a name dataset_kit lacks is an `Internal` placeholder (calling it or reading its attributes gives more
placeholders, so module-level test setup still runs; using it as a value raises `InternalName`), so a test that
reaches into internals can be told apart from a difference in the public API."""
import importlib, importlib.abc, importlib.util, sys, types
import dataset_kit, os
# `datasets.config` (versions, availability flags, paths: the environment, not behaviour) is read from the installed `datasets`
CONFIG_PY = os.path.join(os.path.dirname(importlib.util.find_spec("datasets").origin), "config.py")

class InternalName(Exception): pass

class Internal:
    def __init__(self, name): self.__name = name
    def _fail(self, *a, **k): raise InternalName(self.__name)
    __iter__ = __len__ = __bool__ = __getitem__ = __eq__ = __enter__ = __hash__ = _fail
    def __call__(self, *a, **k): return Internal(f"{self.__name}(...)")
    def __repr__(self): return f"<internal {self.__name}>"
    def __getattr__(self, k):
        if k.startswith('__'): raise AttributeError(k)
        return Internal(f"{self.__name}.{k}")
    def __mro_entries__(self, bases): raise InternalName(self.__name)
    def __instancecheck__(self, o): raise InternalName(self.__name)

def candidates(fullname):
    parts = fullname.split('.')[1:]
    if not parts: return ['dataset_kit']
    last = parts[-1]
    extra = {'features': ['features'], 'utils': []}.get(last, [])
    return [f"dataset_kit.{'.'.join(parts)}", f"dataset_kit.{last}"] + [f"dataset_kit.{e}" for e in extra]

class AliasModule(types.ModuleType):
    def __init__(self, name, target):
        super().__init__(name); self.__target = target; self.__path__ = []
    def __getattr__(self, k):
        if k.startswith('__'): raise AttributeError(k)
        t = self.__target
        if t is not None and hasattr(t, k): return getattr(t, k)
        if t is not dataset_kit and hasattr(dataset_kit, k): return getattr(dataset_kit, k)
        return Internal(f"{self.__name__}.{k}")

class Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, fullname, path, target=None):
        if fullname == 'datasets' or fullname.startswith('datasets.'):
            return importlib.util.spec_from_loader(fullname, self)
    def create_module(self, spec):
        if spec.name == 'datasets.config':   # environment constants (versions, flags, paths), not behaviour
            m = types.ModuleType('datasets.config'); exec(open(CONFIG_PY).read(), m.__dict__); return m
        target = None
        for c in candidates(spec.name):
            try: target = importlib.import_module(c); break
            except ImportError: pass
        return AliasModule(spec.name, target)
    def exec_module(self, module): pass

def install():
    import dataset_kit.features_arrays, dataset_kit.features
    for k in [k for k in sys.modules if k == 'datasets' or k.startswith('datasets.')]: del sys.modules[k]
    sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, '__name__', '') != '_StepAsideForDatasets']
    sys.meta_path.insert(0, Finder())
