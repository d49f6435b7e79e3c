from .cli import main

# Guarded: worker processes (multiprocessing's forkserver and spawn) import the main module.
if __name__ == "__main__":
    main()
