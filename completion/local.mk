# Bash completion, installed where bash-completion looks (its pkg-config completionsdir,
# or $(datadir)/bash-completion/completions without it).
bashcompletiondir = $(BASH_COMPLETION_DIR)
dist_bashcompletion_DATA = completion/flatline
