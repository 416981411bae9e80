from sopdocs.cli import main

main()
