"""dataset_kit: build, prepare and load machine-learning datasets — the `datasets` API, literate and fast.

Public names are imported lazily, so `import dataset_kit` stays quick and each layer loads only when used.
"""
__version__ = "0.1.0"
import importlib

_PUBLIC = {
    "core": "default_cache_dir disable_progress_bar enable_progress_bar are_progress_bars_disabled disable_progress_bars "
            "enable_progress_bars is_progress_bar_enabled report_bad_input BAD_INPUT_CHOICES",
    "features": "Features Value ClassLabel List LargeList Sequence Array2D Array3D Array4D Array5D Json register_feature "
                "require_decoding infer_features",
    "features_translation": "Translation TranslationVariableLanguages",
    "image": "Image",
    "audio": "Audio",
    "splits": "Split NamedSplit NamedSplitAll percent ReadInstruction SplitInfo SplitDict SplitGenerator",
    "version": "Version",
    "info": "DatasetInfo",
    "download": "DownloadConfig DownloadManager DownloadMode VerificationMode verify_checksums DownloadError",
    "streaming": "StreamingDownloadManager xopen xjoin xglob xwalk xexists xbasename xdirname xisfile xisdir xlistdir",
    "arrow_writer": "ArrowWriter ParquetWriter",
    # DatasetDict and IterableDataset via arrow_dataset, which completes them (their `dataset_class`)
    "arrow_dataset": "Dataset DatasetDict IterableDataset concatenate_datasets read_arrow_table Column",
    "iterable_dataset": "IterableDatasetDict IterableColumn ExamplesIterable",
    "dataset_map": "enable_caching disable_caching is_caching_enabled",
    "combine": "interleave_datasets",
    "data_files": "DataFilesDict",
    "builder": "BuilderConfig DatasetBuilder GeneratorBasedBuilder ArrowBasedBuilder",
    "dataset_card": "DatasetInfosDict",
    "load": "load_dataset load_dataset_builder load_from_disk get_dataset_config_names get_dataset_default_config_name "
            "get_dataset_config_info get_dataset_split_names get_dataset_infos",
}
_WHERE = {name: mod for mod, names in _PUBLIC.items() for name in names.split()}
__all__ = sorted(_WHERE)


def __getattr__(name):
    if name not in _WHERE: raise AttributeError(f"module 'dataset_kit' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"dataset_kit.{_WHERE[name]}"), name)
    globals()[name] = value
    return value


def __dir__(): return sorted(set(globals()) | set(__all__))
