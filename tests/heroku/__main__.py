"""`python -m heroku build PROJECT --into FOLDER`: the app's environment and the build, for a nox session (see __init__.py)."""

import argparse
import sys

from heroku.build import DeployFailed, build
from heroku.deploy import app_venv
from heroku.platform import production_config_vars


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m heroku", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_command = commands.add_parser("build", help="build a project folder as Heroku's Python buildpack does")
    build_command.add_argument("project", help="the project folder (holds the Procfile and requirements.txt)")
    build_command.add_argument("--into", required=True, help="the build folder to create")
    options = parser.parse_args(argv)
    try:
        venv = app_venv(options.project)
        slug = build(options.project, venv, production_config_vars(), into=options.into)
    except DeployFailed as error:
        print(error, file=sys.stderr)
        return 1
    print(f"APP_VENV={venv}\nSLUG={slug.path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
