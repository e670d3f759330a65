import os

workers = wrokers
