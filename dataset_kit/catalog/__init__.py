"The real datasets dataset_kit ships builders for; each module defines one builder and uses only the public API."
