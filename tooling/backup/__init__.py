"""One branch's data as a single .zip archive, and back: `export_branch` and `import_branch`.

It is tooling, above every app (and the project package), because an export reads the rows of all of them.
`scope` says which rows belong to a branch, `archive` writes them, `restore` loads them.
"""
