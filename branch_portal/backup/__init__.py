"""One branch's data as a single .zip archive, and back: `export_branch` and `import_branch`.

It lives in `branch_portal`, above every app, because an export reads the rows of all of them.
`scope` says which rows belong to a branch, `archive` writes them, `restore` loads them.
"""
